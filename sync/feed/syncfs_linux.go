package feed

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFiles makes the given files durable. On Linux one syncfs of the file system
// that holds them does it: a first publication writes thousands of blobs, and one call
// beats thousands of fsyncs by far.
func syncFiles(dir string, _ []string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
