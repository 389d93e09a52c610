//go:build !linux

package feed

import (
	"os"

	"golang.org/x/sync/errgroup"
)

// syncFiles makes the given files durable, fsyncing them in parallel: the file system
// commits them together.
func syncFiles(_ string, paths []string) error {
	var g errgroup.Group
	g.SetLimit(32)
	for _, p := range paths {
		g.Go(func() error {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Sync()
		})
	}
	return g.Wait()
}
