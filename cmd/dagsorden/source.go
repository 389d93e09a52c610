package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	dsync "github.com/dagsorden/dagsorden/sync"
)

func newSourceCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "source",
		Short: "Manage where agendas come from (FirstAgenda sites, feeds).",
		Long:  "A source is a FirstAgenda site (https://dagsordener.<kommune>.dk) or a dagsorden feed.",
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
			ctx, stop := interruptible()
			defer stop()
			s, err := dsync.SourceAdd(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "added source %s (%s) %s\n", s.Name, s.Kind, s.URL)
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
	return c
}

func newSourceListCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the configured sources.",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			srcs, err := dsync.SourceList()
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
				fmt.Fprintf(e.stdout, "%s\t%s\t%s%s\n", s.Name, s.Kind, s.URL, only)
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
			if err := dsync.SourceRemove(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed source %s\n", args[0])
			return nil
		},
	}
}
