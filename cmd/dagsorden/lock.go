package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store/keys"
)

func newLockCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "Forget the keys unlocked with a passphrase for this login session.",
		Long: "Forget the store keys unlocked with a passphrase for this login session: the next\n" +
			"command asks for the passphrase again (a key in the OS keyring stays there).",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			s, ok := keys.SessionCache()
			if !ok {
				fmt.Fprintln(e.stdout, "This session keeps no keys (no XDG_RUNTIME_DIR): there is nothing to forget.")
				return nil
			}
			n, err := s.Clear()
			if err != nil {
				return fmt.Errorf("cannot forget the session's keys: %w", err)
			}
			fmt.Fprintf(e.stdout, "Forgot %s of this session.\n", plural(n, "key", "keys"))
			return nil
		},
	}
}
