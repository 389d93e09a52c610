package store

// The lock, held briefly and fairly
//
// Several processes share one data folder: the UI for hours, and from other terminals an
// import of hundreds of meetings, a sync, an export, `note add`. bbolt's file lock is not
// a queue: a waiting process polls it, and a bulk job that takes it again the moment it
// let go would starve everyone else until their patience (lockTimeout) ran out. So:
//
//   - Bulk work (a large import or sync, attachments fetched in the background) applies
//     in short transactions (applyMeetings bounds a batch by batchBudget and batchMax),
//     and before each it yields: while anyone has said it is waiting, it waits
//     (at most maxYield), then takes the lock itself with a long patience
//     (bulkLockTimeout): a bulk job does not fail because another bulk job is running.
//   - Everything else (a note saved, a list read) is short work. When it finds the lock
//     taken it says it is waiting, in this process through pathMutex.waiting and for
//     other processes by holding a shared flock on dagsorden.db-wait (waitFileName), and
//     polls the lock every few milliseconds. It gives up with ErrBusy only after
//     lockTimeout: then a process really holds the file for long.
//
// A flock is released by the kernel when its process dies, so a killed waiter can never
// leave bulk work waiting for nobody.

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// txMode says whether an operation is bulk work, which yields, or short work, which is
// waited for.
type txMode int

const (
	short txMode = iota
	bulk
)

const (
	// bulkLockTimeout: bulk work waits this long for the lock before it reports busy.
	bulkLockTimeout = 60 * time.Second
	// maxYield bounds how long bulk work lets waiting short work go first before one
	// batch of its own, so a stream of notes cannot stall an import either.
	maxYield = time.Second
	// pollEvery is how often a waiting operation tries the file lock again (bbolt's
	// own polling sleeps 50 ms, a noticeable part of a short wait).
	pollEvery = 3 * time.Millisecond
	// waitFileName is the file beside dagsorden.db that waiting short work holds a
	// shared flock on.
	waitFileName = FileName + "-wait"
	// bulkMmapSize is the mapping bulk work opens the file with; bboltAllocSize is
	// bbolt's default AllocSize (not exported), smallAllocSize ours for small files.
	bulkMmapSize   = 1 << 30
	bboltAllocSize = 16 << 20
	smallAllocSize = 1 << 20
)

// pathMutex orders this process's transactions on one store file: shared for reads,
// exclusive for writes, with a deadline, and first come first served: waiters are
// granted in the order they came (consecutive reads together), so neither a stream of
// overlapping reads starves a write (as sync.RWMutex's polled TryLock let them) nor a
// stream of writes the reads. It also counts the short operations waiting, for bulk work
// to yield to.
type pathMutex struct {
	mu      sync.Mutex
	readers int
	writer  bool
	queue   []*lockWaiter
	waiting atomic.Int32
}

type lockWaiter struct {
	write   bool
	granted chan struct{} // closed when the lock is the waiter's
}

// acquire takes the lock (exclusive when write) and reports whether it did by deadline.
func (p *pathMutex) acquire(write bool, deadline time.Time, mode txMode) bool {
	p.mu.Lock()
	if len(p.queue) == 0 && p.free(write) {
		p.take(write)
		p.mu.Unlock()
		return true
	}
	w := &lockWaiter{write: write, granted: make(chan struct{})}
	p.queue = append(p.queue, w)
	p.mu.Unlock()
	if mode == short {
		p.waiting.Add(1)
		defer p.waiting.Add(-1)
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-w.granted:
		return true
	case <-t.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-w.granted: // granted as the time ran out: it is ours after all
		return true
	default:
	}
	for i, q := range p.queue {
		if q == w {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			break
		}
	}
	p.grant() // a write that gave up may have held reads back
	return false
}

func (p *pathMutex) release(write bool) {
	p.mu.Lock()
	if write {
		p.writer = false
	} else {
		p.readers--
	}
	p.grant()
	p.mu.Unlock()
}

// free: the lock can be taken now; callers hold mu.
func (p *pathMutex) free(write bool) bool {
	return !p.writer && (!write || p.readers == 0)
}

func (p *pathMutex) take(write bool) {
	if write {
		p.writer = true
	} else {
		p.readers++
	}
}

// grant hands the lock to the waiters at the head of the queue that can have it;
// callers hold mu.
func (p *pathMutex) grant() {
	for len(p.queue) > 0 && p.free(p.queue[0].write) {
		w := p.queue[0]
		p.queue = p.queue[1:]
		p.take(w.write)
		close(w.granted)
		if w.write {
			return
		}
	}
}

// yield lets waiting short work go first: it returns when nobody in this process or
// another one says it is waiting, or after maxYield.
func (s *Store) yield() {
	end := time.Now().Add(maxYield)
	for time.Now().Before(end) {
		if s.mu.waiting.Load() == 0 && !othersWaiting(s.dir) {
			return
		}
		time.Sleep(pollEvery)
	}
}

// openFair opens the bbolt file, polling its lock until deadline. Short work that has
// to wait announces itself to bulk work in other processes while it does.
// openFile (may be nil) is how bbolt opens the file.
func (s *Store) openFair(readOnly bool, deadline time.Time, mode txMode, openFile func(string, int, os.FileMode) (*os.File, error)) (*bolt.DB, error) {
	// Timeout 1 ns: bbolt tries the lock once and gives up at once (0 would block).
	opts := &bolt.Options{Timeout: time.Nanosecond, ReadOnly: readOnly, OpenFile: openFile}
	if mode == bulk && !readOnly {
		// Bulk work grows the file: without room in the mapping, bbolt maps it anew at
		// every growth and copies every node it touched (a fifth of a feed's first
		// sync). Address space only: nothing is read or allocated beyond the file.
		opts.InitialMmapSize = bulkMmapSize
	}
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	sleep := time.Millisecond
	for {
		db, err := bolt.Open(s.path, 0o600, opts)
		if err == nil && opts.InitialMmapSize > 0 {
			// A file mapped larger than its AllocSize grows by needed + AllocSize at a
			// time: bbolt's 16 MB would make every small store 16 MB bigger. A small
			// file grows by 1 MB, a large one as bbolt would grow it anyway.
			if fi, err := os.Stat(s.path); err == nil && fi.Size() < bboltAllocSize {
				db.AllocSize = smallAllocSize
			}
		}
		if err == nil || !errorsIsTimeout(err) {
			return db, err
		}
		if mode == short && release == nil {
			release = announceWaiting(s.dir)
		}
		if time.Now().Add(sleep).After(deadline) {
			return nil, bolterrors.ErrTimeout
		}
		time.Sleep(sleep)
		sleep = min(sleep*2, pollEvery)
	}
}

func errorsIsTimeout(err error) bool { return errors.Is(err, bolterrors.ErrTimeout) }
