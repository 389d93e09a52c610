package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
	"github.com/dagsorden/dagsorden/sync/source"
)

func newSourceCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "source",
		Short: "Manage where agendas come from (FirstAgenda sites, feeds).",
		Long: "A source is a FirstAgenda site (https://dagsordener.<kommune>.dk) or a dagsorden feed.\n" +
			"Sources belong to the data folder (--data): each folder keeps its own list.",
		Example: `dagsorden source add https://dagsordener.greve.dk --committee Økonomiudvalget
dagsorden source add https://kkr.example.dk/feed --key kkr.pub
dagsorden source list`,
	}, newSourceAddCmd(e), newSourceListCmd(e), newSourceRemoveCmd(e))
}

func newSourceAddCmd(e *env) *cobra.Command {
	var o dsync.AddOptions
	c := &cobra.Command{
		Use:   "add URL|PATH",
		Short: "Subscribe to a FirstAgenda site or a dagsorden feed.",
		Long: "Subscribe to a FirstAgenda site or a dagsorden feed. Without --key a feed's key is\n" +
			"trusted on first use: check the fingerprint shown with the publisher.",
		Args: exactArgs(1, "name one address or folder"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.Target = args[0]
			dir, err := e.dataFolder()
			if err != nil {
				return err
			}
			o.Dir = dir
			ctx, stop := interruptible()
			defer stop()
			s, err := dsync.SourceAdd(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "added source %s (%s) %s, %s\n", s.Name, s.Kind, s.URL, rateLabel(s))
			if s.Fingerprint != "" {
				how := "pinned"
				if o.KeyFile == "" {
					how = "trusted on first use: compare it with the publisher's"
				}
				fmt.Fprintf(e.stdout, "key fingerprint %s (%s)\n", s.Fingerprint, how)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.Name, "name", "", "the source's NAME (default: the host or folder name)")
	// An array, not a slice: a committee's name may hold a comma.
	f.StringArrayVar(&o.Committees, "committee", nil, "only this committee's NAME (repeatable)")
	f.StringVar(&o.KeyFile, "key", "", "the feed publisher's public key PUBFILE to pin")
	f.BoolVar(&o.Insecure, "insecure", false, "allow plain http to a host that is not this machine")
	f.Float64Var(&o.Rate, "rate", 0, "a site's request budget, N requests per second (default 2)")
	return c
}

func newSourceListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the sources of the data folder.",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			dir, err := e.dataFolder()
			if err != nil {
				return err
			}
			srcs, err := dsync.SourceList(dir)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if srcs == nil {
					return enc.Encode([]any{})
				}
				return enc.Encode(srcs)
			}
			if len(srcs) == 0 {
				fmt.Fprintln(e.stdout, "No sources yet. Add one with: dagsorden source add https://dagsordener.<kommune>.dk")
			}
			for _, s := range srcs {
				only := ""
				if len(s.Committees) > 0 {
					only = "\tonly: " + strings.Join(s.Committees, ", ")
				}
				fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s%s\n", s.Name, s.Kind, s.URL, rateLabel(s), only)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return c
}

func newSourceRemoveCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:               "remove NAME",
		Aliases:           []string{"rm"},
		Short:             "Remove a source. What it brought into the store stays there.",
		Args:              exactArgs(1, "name the source to remove"),
		ValidArgsFunction: e.completeSources,
		RunE: func(_ *cobra.Command, args []string) error {
			dir, err := e.dataFolder()
			if err != nil {
				return err
			}
			if err := dsync.SourceRemove(dir, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed source %s\n", args[0])
			return nil
		},
	}
}

// rateLabel is a source's request budget as `source list` shows it.
func rateLabel(s source.Source) string {
	r := s.EffectiveRate()
	if r <= 0 {
		return "no rate limit"
	}
	return fmt.Sprintf("%s req/s", strconv.FormatFloat(r, 'f', -1, 64))
}

// dataFolder is the data folder of this run. On the default folder it first moves the
// global source list of older versions into it, once, and says so.
func (e *env) dataFolder() (string, error) {
	def, err := filepath.Abs(store.DefaultDir())
	if err != nil {
		return "", fmt.Errorf("data folder: %w", err)
	}
	dir := def
	if e.dataDir != "" {
		if dir, err = filepath.Abs(e.dataDir); err != nil {
			return "", fmt.Errorf("data folder %s: %w", e.dataDir, err)
		}
	}
	if dir == def {
		from, err := dsync.MoveLegacySources(dir)
		switch {
		case err != nil:
			// Only a warning: the store works without its sources.
			fmt.Fprintf(e.stderr, "dagsorden: %v\n", err)
		case from != "":
			fmt.Fprintf(e.stderr, "dagsorden: moved your sources from %s into the data folder %s: each data folder now keeps its own list (the old file is kept as %s.moved)\n", from, dir, from)
		}
	}
	return dir, nil
}
