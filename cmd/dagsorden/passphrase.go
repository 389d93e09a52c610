package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func newPassphraseCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "passphrase",
		Short: "Set or change the passphrase that opens the encrypted store anywhere.",
		Long: "Set or change the passphrase of the store: with it the store opens on any machine (a\n" +
			"copy on a USB stick, a new laptop), also where its key is not in the keyring.\n" +
			"Scripts give the new passphrase in " + envNewPassphrase + ".",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			st, err := e.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			p := os.Getenv(envNewPassphrase)
			if p == "" {
				if e.terminal() == nil {
					return fmt.Errorf("give the new passphrase at a terminal, or in %s", envNewPassphrase)
				}
				if p, err = e.askNew("New passphrase: "); err != nil {
					return err
				}
			}
			had := st.KeyInfo().HasPassphrase
			if err := st.SetPassphrase(p); err != nil {
				return err
			}
			if had {
				fmt.Fprintf(e.stdout, "The passphrase of the store in %s is changed.\n", st.Dir())
			} else {
				fmt.Fprintf(e.stdout, "The store in %s now opens with its passphrase on any machine. Keep the passphrase safe: where the key is not in the keyring, nothing else opens the store.\n", st.Dir())
			}
			return nil
		},
	}
}
