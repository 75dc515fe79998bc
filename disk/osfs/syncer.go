package osfs

import (
	"io/fs"
	"os"
	"sync"
	"time"
)

// target is something the syncer can fsync: a file handle or a directory.
type target interface {
	// key identifies the target, so requests for it in one batch share one
	// fsync.
	key() any
	// fsync flushes the target to stable storage.
	fsync() error
	// finish is called once per request after its fsync.
	finish()
}

// fileTarget fsyncs an open file.
type fileTarget struct{ h *file }

func (t fileTarget) key() any     { return t.h }
func (t fileTarget) fsync() error { return datasync(t.h.f) }
func (t fileTarget) finish()      { t.h.endSync() }

// dirTarget fsyncs a directory under the root.
type dirTarget struct {
	root *os.Root
	path string
}

func (t dirTarget) key() any     { return "dir:" + t.path }
func (t dirTarget) fsync() error { return fsyncDir(t.root, t.path) }
func (t dirTarget) finish()      {}

// fsyncDir flushes a directory's entries.
func fsyncDir(root *os.Root, p string) error {
	d, err := root.Open(p)
	if err != nil {
		return err
	}
	serr := d.Sync()
	if cerr := d.Close(); serr == nil {
		serr = cerr
	}
	return serr
}

// entry is one target of a batch with the requests waiting on it.
type entry struct {
	t     target
	dones []func(error)
}

// syncer runs an FS's fsyncs off the node's loop. Each target (an open file
// handle, a directory) has at most one fsync running: requests for it that
// arrive meanwhile gather and share its next fsync (group commit). Fsyncs of
// different targets run at once, each on its own goroutine, so a caller
// keeps two fsyncs of one file in flight through two handles. One fsync per
// handle at a time is also what Linux's error reporting needs: it reports a
// write-back error to one fsync per open file description, and two at once
// on one handle could hand a failure to the later one only.
type syncer struct {
	post func(func())

	mu      sync.Mutex
	pending []*entry       // requests waiting, in arrival order of their target
	index   map[any]*entry // pending entries by target key
	running map[any]bool   // targets with an fsync running
	delay   time.Duration
	stopped bool

	wake    chan struct{}
	done    chan struct{}
	workers sync.WaitGroup

	stats Stats
}

// Stats counts the syncer's work: Requests are Sync and SyncDir calls
// served, Fsyncs the fsync calls made for them, Batches the groups flushed.
// Requests/Fsyncs is the group-commit factor; FsyncTime is the time spent
// in fsync calls.
type Stats struct {
	Requests, Fsyncs, Batches int64
	FsyncTime                 time.Duration
}

// newSyncer starts a syncer whose completions are handed to post.
func newSyncer(post func(func())) *syncer {
	s := &syncer{post: post, index: map[any]*entry{}, running: map[any]bool{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.run()
	return s
}

// request queues an fsync of t; done is posted with its result.
func (s *syncer) request(t target, done func(error)) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		t.finish()
		s.post(func() { done(fs.ErrClosed) })
		return
	}
	e, ok := s.index[t.key()]
	if !ok {
		e = &entry{t: t}
		s.index[t.key()] = e
		s.pending = append(s.pending, e)
	}
	e.dones = append(e.dones, done)
	s.mu.Unlock()
	s.signal()
}

// signal wakes the goroutine without blocking.
func (s *syncer) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// setDelay sets the pause before each batch.
func (s *syncer) setDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// stop flushes what was requested and ends the goroutine.
func (s *syncer) stop() {
	s.mu.Lock()
	already := s.stopped
	s.stopped = true
	s.mu.Unlock()
	if !already {
		s.signal()
	}
	<-s.done
}

// run starts an fsync for every pending target that has none running,
// until stopped with nothing pending or running.
func (s *syncer) run() {
	defer close(s.done)
	for {
		batch, delay, ok := s.take()
		if !ok {
			s.workers.Wait()
			return
		}
		for _, e := range batch {
			s.workers.Add(1)
			go s.flush(e, delay)
		}
	}
}

// take waits for pending targets without a running fsync, marks them
// running and removes them from the queue; ok is false once stopped with
// nothing pending.
func (s *syncer) take() (batch []*entry, delay time.Duration, ok bool) {
	for {
		s.mu.Lock()
		keep := s.pending[:0]
		for _, e := range s.pending {
			if k := e.t.key(); s.running[k] {
				keep = append(keep, e)
			} else {
				s.running[k] = true
				delete(s.index, k)
				batch = append(batch, e)
			}
		}
		clear(s.pending[len(keep):])
		s.pending = keep
		delay, stopped, idle := s.delay, s.stopped, len(s.pending) == 0
		if len(batch) > 0 {
			s.stats.Batches++
		}
		s.mu.Unlock()
		if len(batch) > 0 {
			return batch, delay, true
		}
		if stopped && idle {
			return nil, 0, false
		}
		<-s.wake
	}
}

// flush fsyncs one target once and posts its requests' dones, in request
// order, in one closure; then the target may run its next fsync.
func (s *syncer) flush(e *entry, delay time.Duration) {
	defer s.workers.Done()
	if delay > 0 {
		time.Sleep(delay)
	}
	start := time.Now()
	err := e.t.fsync()
	s.count(int64(len(e.dones)), time.Since(start))
	calls := make([]func(), 0, len(e.dones))
	for _, done := range e.dones {
		e.t.finish()
		calls = append(calls, func() { done(err) })
	}
	s.post(func() {
		for _, c := range calls {
			c()
		}
	})
	s.mu.Lock()
	delete(s.running, e.t.key())
	s.mu.Unlock()
	s.signal()
}

// count records one fsync serving n requests that took d.
func (s *syncer) count(n int64, d time.Duration) {
	s.mu.Lock()
	s.stats.FsyncTime += d
	s.stats.Requests += n
	s.stats.Fsyncs++
	s.mu.Unlock()
}

// snapshot returns the counts so far.
func (s *syncer) snapshot() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
