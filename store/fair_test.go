package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// busy keeps four goroutines taking p (for writing, or reading) back to back until the
// test ends.
func busy(t *testing.T, p *pathMutex, write bool) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p.acquire(write, time.Now().Add(5*time.Second), bulk) {
					time.Sleep(2 * time.Millisecond)
					p.release(write)
				}
			}
		})
	}
	t.Cleanup(func() { close(stop); wg.Wait() })
	time.Sleep(20 * time.Millisecond)
}

// A stream of overlapping reads must not keep a write out: the write is served in turn.
func TestPathMutexLetsAWriteThroughOverlappingReads(t *testing.T) {
	var p pathMutex
	busy(t, &p, false)
	for range 5 {
		if !p.acquire(true, time.Now().Add(time.Second), short) {
			t.Fatal("a write waited a second behind overlapping reads")
		}
		p.release(true)
	}
}

// Nor does a stream of writes (four background workers, say) keep a read out.
func TestPathMutexLetsAReadThroughBackToBackWrites(t *testing.T) {
	var p pathMutex
	busy(t, &p, true)
	for range 5 {
		if !p.acquire(false, time.Now().Add(time.Second), short) {
			t.Fatal("a read waited a second behind back-to-back writes")
		}
		p.release(false)
	}
}

func TestPathMutexDeadlineAndWaitingCount(t *testing.T) {
	var p pathMutex
	p.acquire(true, time.Now().Add(time.Second), bulk)
	var waited atomic.Int32
	done := make(chan bool)
	go func() { done <- p.acquire(false, time.Now().Add(100*time.Millisecond), short) }()
	time.Sleep(30 * time.Millisecond)
	waited.Store(p.waiting.Load())
	if ok := <-done; ok {
		t.Fatal("a read got a lock held for writing")
	}
	if waited.Load() != 1 || p.waiting.Load() != 0 {
		t.Fatalf("waiting count %d while waiting, %d after; want 1 and 0", waited.Load(), p.waiting.Load())
	}
	// A write that gave up does not keep holding reads back.
	go func() { done <- p.acquire(true, time.Now().Add(50*time.Millisecond), short) }()
	if <-done {
		t.Fatal("a second write got the lock")
	}
	p.release(true)
	if !p.acquire(false, time.Now().Add(50*time.Millisecond), short) {
		t.Fatal("a read waits after every write has gone")
	}
}
