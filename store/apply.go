package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// A large import or sync applies in batches of whole meetings, each batch one write
// transaction bounded by batchBudget of work or batchMax meetings, whichever comes first
// (the first meeting of a batch always goes in, however big). The index flush and the
// commit come on top of the budget: a batch holds the lock about 100 ms. Batching keeps the fsyncs
// per batch rather than per meeting; the bound keeps the lock free often enough that a
// note saved from another process waits a moment, not for the whole import (fair.go).
const (
	batchBudget = 50 * time.Millisecond
	batchMax    = 64
)

// applyMeetings writes prepared meetings and documents in bounded batches of bulk work
// and returns the meetings' results in order. Every meeting is whole in one transaction;
// when a batch fails, the batches before it stay applied and the error says which
// meeting failed.
func (s *Store) applyMeetings(meetings []agenda.Meeting, docs []agenda.Document, texts map[string]*textRecord) ([]ImportResult, error) {
	results := make([]ImportResult, 0, len(meetings))
	next := 0
	docsDone := len(docs) == 0
	for next < len(meetings) || !docsDone {
		var batch []ImportResult
		end := next
		err := s.updateMode(func(tx *bolt.Tx) error {
			began := time.Now()
			batch, end = batch[:0], next
			stamp := now()
			wrote := false
			ix := newIndexer(tx)
			for end < len(meetings) {
				r, w, err := importMeeting(tx, ix, &meetings[end], stamp, texts)
				if err != nil {
					return fmt.Errorf("%s: %w", describe(&meetings[end]), err)
				}
				batch = append(batch, r)
				wrote = wrote || w
				end++
				if time.Since(began) >= batchBudget || end-next >= batchMax {
					break
				}
			}
			if end == len(meetings) && !docsDone {
				for i := range docs {
					w, err := importDocument(tx, ix, &docs[i])
					if err != nil {
						return fmt.Errorf("document %q: %w", docs[i].Title, err)
					}
					wrote = wrote || w
				}
				// The last batch also purges closed items past their retention.
				_, purged, err := purgeClosed(tx, ix, stamp)
				if err != nil {
					return err
				}
				wrote = wrote || purged
			}
			if !wrote {
				return errNoChange
			}
			return ix.flush()
		}, bulk)
		if err != nil {
			return results, err
		}
		results = append(results, batch...)
		if end == len(meetings) {
			docsDone = true
		}
		next = end
	}
	return results, nil
}

// checkItemOwners refuses, before anything is written, an item whose id belongs to an
// item of another stored meeting: found inside a batch, it would leave the batches
// before it applied.
func (s *Store) checkItemOwners(meetings []agenda.Meeting) error {
	return s.view(func(tx *bolt.Tx) error {
		for i := range meetings {
			m := &meetings[i]
			for j := range m.Items {
				v, err := getOpen(tx, bucketItems, []byte(m.Items[j].ID))
				if err != nil || v == nil {
					if err != nil {
						return fmt.Errorf("stored item %s: %w", m.Items[j].ID, err)
					}
					continue
				}
				r, err := decodeItem(v)
				if err != nil {
					return fmt.Errorf("stored item %s: %w", m.Items[j].ID, err)
				}
				if r.MeetingID != m.ID {
					return fmt.Errorf("%s: item %s %q has the id of an item of another meeting", describe(m), m.Items[j].Number, m.Items[j].Title)
				}
			}
		}
		return nil
	})
}

// hashContents computes the sha256 of every attachment content in ms, keyed by meeting,
// item and attachment index, on all processors: hashing is most of what preparing a
// large package costs (20 MB of attachments take 17 ms on one core).
func hashContents(ms []agenda.Meeting) map[[3]int]string {
	type job struct {
		at   [3]int
		data []byte
	}
	var jobs []job
	for i := range ms {
		for j := range ms[i].Items {
			for k, a := range ms[i].Items[j].Attachments {
				if a.Content != nil {
					jobs = append(jobs, job{[3]int{i, j, k}, a.Content})
				}
			}
		}
	}
	out := make(map[[3]int]string, len(jobs))
	if len(jobs) == 0 {
		return out
	}
	sums := make([]string, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for n := range next {
				sum := sha256.Sum256(jobs[n].data)
				sums[n] = hex.EncodeToString(sum[:])
			}
		})
	}
	for n := range jobs {
		next <- n
	}
	close(next)
	wg.Wait()
	for n, jb := range jobs {
		out[jb.at] = sums[n]
	}
	return out
}
