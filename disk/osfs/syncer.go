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
func (t fileTarget) fsync() error { return t.h.f.Sync() }
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

// syncer is an FS's fsync goroutine. Requests that arrive while a batch is
// being flushed gather into the next batch, and requests for the same target
// in one batch share a single fsync: group commit.
type syncer struct {
	post func(func())

	mu      sync.Mutex
	pending []*entry
	index   map[any]*entry
	delay   time.Duration
	stopped bool

	wake chan struct{}
	done chan struct{}

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
	s := &syncer{post: post, index: map[any]*entry{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
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

// run flushes batches until stopped.
func (s *syncer) run() {
	defer close(s.done)
	for {
		batch, delay := s.take()
		if batch == nil {
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		s.flush(batch)
		s.mu.Lock()
		s.stats.Batches++
		s.mu.Unlock()
	}
}

// take waits for a non-empty batch and removes it from the queue; it
// returns nil once stopped with nothing left.
func (s *syncer) take() ([]*entry, time.Duration) {
	for {
		s.mu.Lock()
		if len(s.pending) > 0 {
			batch, delay := s.pending, s.delay
			s.pending, s.index = nil, map[any]*entry{}
			s.mu.Unlock()
			return batch, delay
		}
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			return nil, 0
		}
		<-s.wake
	}
}

// flush fsyncs each target of a batch once and posts every request's done,
// in request order, in one closure.
func (s *syncer) flush(batch []*entry) {
	var calls []func()
	for _, e := range batch {
		start := time.Now()
		err := e.t.fsync()
		s.count(int64(len(e.dones)), time.Since(start))
		for _, done := range e.dones {
			e.t.finish()
			calls = append(calls, func() { done(err) })
		}
	}
	s.post(func() {
		for _, c := range calls {
			c()
		}
	})
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
