package main

import (
	"fmt"

	"github.com/spf13/cobra"

	dsync "github.com/dagsorden/dagsorden/sync"
)

func newKeygenCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen KEYFILE",
		Short: "Make a key pair for signing a feed.",
		Long:  "Make a feed signing key: the private key in KEYFILE (0600), the public key in KEYFILE.pub.",
		Args:  exactArgs(1, "name the key file to write"),
		RunE: func(_ *cobra.Command, args []string) error {
			fp, err := dsync.Keygen(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s and %s.pub\nfingerprint %s (give subscribers the .pub file or this fingerprint)\n", args[0], args[0], fp)
			return nil
		},
	}
}
