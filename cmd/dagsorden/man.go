package main

import (
	"fmt"
	"strings"

	"github.com/muesli/mango"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dagsorden/dagsorden/store"
)

// newManCmd writes the manual page, made from the commands themselves (mango, as fang
// does), so it cannot drift from --help.
func newManCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "man",
		Short: "Write dagsorden's manual page (roff) to standard output.",
		Long: "Write dagsorden's manual page (roff) to standard output. Read it with\n" +
			"  dagsorden man | man -l -\n" +
			"or install it with\n" +
			"  dagsorden man > ~/.local/share/man/man1/dagsorden.1",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			root := c.Root()
			page := mango.NewManPage(1, root.Name(), "prepare for council meetings").
				WithLongDescription(root.Long).
				WithSection("Environment",
					"DAGSORDEN_DATA: the data folder when --data is not given.\n"+
						store.EnvPassphrase+": the store's passphrase, for scripts.\n"+
						envNewPassphrase+": the new passphrase for `dagsorden passphrase` in scripts.\n"+
						envKeyring+"=off: never use the OS keyring; the passphrase alone opens the store.\n"+
						"DAGSORDEN_AUTHOR: the name your notes carry (default: $USER).\n"+
						"NO_COLOR: draw without colours.\n"+
						"XDG_RUNTIME_DIR: where keys unlocked with the passphrase are kept for the login session.").
				WithSection("Files",
					"$XDG_DATA_HOME/dagsorden/"+store.FileName+" (~/.local/share/dagsorden): the store, mode 0600, encrypted at rest.").
				WithSection("Exit status",
					"0 when the command did what it was asked, 1 when it failed (one sentence on standard error says why), 2 when the command line was wrong.")
			page.Root = *mango.NewCommand(root.Name(), "", "")
			if err := manCommand(&page.Root, root); err != nil {
				return fmt.Errorf("make the manual page: %w", err)
			}
			_, err := fmt.Fprint(e.stdout, page.Build(roff.NewDocument()))
			return err
		},
	}
}

// manCommand adds c's own flags and its visible subcommands to m. (mango-cobra does the
// same, but writes -h as --h.)
func manCommand(m *mango.Command, c *cobra.Command) error {
	var err error
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || err != nil {
			return
		}
		// mango writes its prefix before the short and the long name alike: "-" + "-data".
		err = m.AddFlag(mango.Flag{Name: "-" + f.Name, Short: f.Shorthand, Usage: f.Usage})
	})
	if err != nil {
		return err
	}
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() {
			continue
		}
		sm := mango.NewCommand(sub.Name(), strings.TrimSuffix(sub.Short, "."), sub.Use)
		if err := m.AddCommand(sm); err != nil {
			return err
		}
		if err := manCommand(sm, sub); err != nil {
			return err
		}
	}
	return nil
}
