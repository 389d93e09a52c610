package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRestoreCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore BACKUP",
		Short: "Bring the store back from the backup an upgrade made.",
		Long: "Bring the store back as a backup holds it: the dagsorden.db.backup-… file an upgrade\n" +
			"made beside the store. The store as it is now is kept beside it first.",
		Args: exactArgs(1, "name the backup file to restore"),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := e.openStore()
			if err != nil {
				return err
			}
			defer st.Close()
			kept, err := st.RestoreBackup(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "The store in %s is restored from %s. The store it replaced is kept as %s.\n", st.Dir(), args[0], kept)
			return nil
		},
	}
}
