package main

import (
	"bufio"
)

func cmdExport(e *env, args []string) error {
	fs := newFlags(e, "export", "--json [--meeting ID]",
		"Write the store's meetings, documents and notes as JSON on standard output.")
	asJSON := fs.Bool("json", false, "write JSON (the only format so far; required)")
	meeting := fs.String("meeting", "", "export only the meeting with this `ID` (and its notes)")
	pos, err := parseInterspersed(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(e, fs, "unexpected argument %q", pos[0])
	}
	if !*asJSON {
		return usageErr(e, fs, "say --json: it is the export format")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	w := bufio.NewWriter(e.stdout)
	if err := st.ExportJSON(w, *meeting); err != nil {
		return err
	}
	return w.Flush()
}
