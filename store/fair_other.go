//go:build !unix

package store

// Without flock, other processes cannot announce that they wait: bulk work yields only
// to this process's own short work.
func announceWaiting(string) func() { return func() {} }

func othersWaiting(string) bool { return false }
