package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store"
)

func newKeyCmd(e *env) *cobra.Command {
	return parent(&cobra.Command{
		Use:   "key",
		Short: "Where the store's key is kept: this machine's keyring, the passphrase.",
		Long: "The store is encrypted with a key of its own. It is kept in the OS keyring where there is\n" +
			"one, and/or wrapped with a passphrase in the store (dagsorden passphrase).",
	},
		keySubcommand(e, "status", "Say where the store's key is kept.", keyStatus),
		keySubcommand(e, "remember", "Put the key into this machine's keyring (no passphrase asked here again).", func(e *env, st *store.Store) error {
			if err := st.RememberKey(); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "The store's key is in this machine's keyring: the passphrase is not asked here again.")
			return nil
		}),
		keySubcommand(e, "forget", "Take the key out of this machine's keyring (the passphrase opens the store).", func(e *env, st *store.Store) error {
			if err := st.ForgetKey(); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "The store's key is no longer on this machine: its passphrase opens the store.")
			return nil
		}),
	)
}

func keySubcommand(e *env, name, short string, fn func(*env, *store.Store) error) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			st, err := e.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			return fn(e, st)
		},
	}
}

func keyStatus(e *env, st *store.Store) error {
	info := st.KeyInfo()
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(e.stdout, "store:                     %s\n", st.Dir())
	fmt.Fprintf(e.stdout, "key id:                    %s\n", info.KeyID)
	fmt.Fprintf(e.stdout, "in this machine's keyring: %s\n", yes(info.InKeyring))
	fmt.Fprintf(e.stdout, "cached for this session:   %s\n", yes(info.InSession))
	fmt.Fprintf(e.stdout, "passphrase set:            %s\n", yes(info.HasPassphrase))
	return nil
}
