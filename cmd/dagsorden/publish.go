package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dagsorden/dagsorden/store"
	dsync "github.com/dagsorden/dagsorden/sync"
)

func newPublishCmd(e *env) *cobra.Command {
	var out, key, prevKey string
	var fromStore bool
	var expires int
	c := &cobra.Command{
		Use:   "publish INPUT… --out DIR --key KEYFILE",
		Short: "Write a signed feed of agenda packages.",
		Long: "Write a signed static feed into DIR from agenda files (anything 'import' reads) or,\n" +
			"with --from-store, from data folders. Serve DIR with any static web server.\n" +
			"The index expires (30 days by default): publish again from a timer, at least every\n" +
			"half of that; an unchanged feed is then signed anew. To move to a new key, give the\n" +
			"old one with --previous-key: subscribers follow the rotation it signs.",
		Example: `dagsorden publish dagsordener/ --out feed/ --key kkr.key
dagsorden publish --from-store ~/.local/share/dagsorden --out feed/ --key kkr.key`,
		RunE: func(c *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return usageErr(c, "name at least one input")
			case out == "" || key == "":
				return usageErr(c, "--out and --key are required")
			case expires < 1 || expires > 366:
				return usageErr(c, "--expires takes 1 to 366 days")
			}
			return runPublish(e, args, out, key, dsync.PublishOptions{FromStore: fromStore, PreviousKeyFile: prevKey,
				Validity: time.Duration(expires) * 24 * time.Hour})
		},
	}
	c.Flags().StringVar(&out, "out", "", "the feed DIR to write")
	c.Flags().StringVar(&key, "key", "", "the private KEYFILE made by 'dagsorden keygen'")
	c.Flags().BoolVar(&fromStore, "from-store", false, "the inputs are data folders: publish everything in those stores")
	c.Flags().IntVar(&expires, "expires", 30, "the index is valid for DAYS days (1–366)")
	c.Flags().StringVar(&prevKey, "previous-key", "", "the private KEYFILE the feed was signed with until now")
	_ = c.MarkFlagDirname("out")
	return c
}

func runPublish(e *env, inputs []string, out, key string, o dsync.PublishOptions) error {
	if o.FromStore {
		// Unlock each store here, with the keyring, the session and the terminal: the
		// keys this process has unlocked are found again by the Open inside Publish.
		for _, dir := range inputs {
			if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
				continue // Publish says what is wrong with it
			}
			st, err := store.OpenWith(dir, e.storeOptions())
			if err != nil {
				return err
			}
			st.Close()
		}
	}
	r, err := dsync.PublishWith(inputs, out, key, o)
	if err != nil {
		return err
	}
	state := "index unchanged"
	if r.IndexChanged {
		state = "index written"
	}
	fmt.Fprintf(e.stdout, "published %s and %s to %s: %d new of %d blobs (%d bytes), %s; key %s\n",
		plural(r.Meetings, "meeting", "meetings"), plural(r.Documents, "document", "documents"), out, r.NewBlobs, r.Blobs, r.NewBytes, state, r.Fingerprint)
	return nil
}
