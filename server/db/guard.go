package db

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/instance"
)

// What a client sees of a query stopped by RESET, by its own disconnection
// (nobody sees that one), by the client's own timeout and by the server's
// shutdown.
var (
	errInterrupted   = &instance.Error{Code: "Neo.TransientError.Transaction.Terminated", Message: "the query was interrupted (RESET, or the client went away)"}
	errClientTimeout = &instance.Error{Code: "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", Message: "the transaction timeout the client set expired"}
	errShutdown      = &instance.Error{Code: "Neo.TransientError.General.DatabaseUnavailable", Message: "the server is shutting down"}
)

// stopper tells the instance why a session's running query must stop, from
// state other goroutines set: the server's shutdown and the current Bolt
// operation's context (RESET, the client gone, the client's timeout),
// which changes with each RUN and PULL. The instance asks it through
// SessionInfo.Interrupt, on the loop or on the session's goroutine; the
// transaction's own timeout and TERMINATE TRANSACTIONS are the instance's.
type stopper struct {
	d  *DB
	op atomic.Pointer[context.Context]
	// last is the context op holds, known to the session's goroutine (the
	// only one that sets it) without a load: Bolt connections pass the
	// same context to operation after operation, and storing it again
	// would allocate each time.
	last context.Context
}

// set makes ctx the current operation's context.
func (s *stopper) set(ctx context.Context) {
	if ctx == s.last {
		return
	}
	s.last = ctx
	held := new(context.Context) // not &ctx: that would move ctx to the heap on every call
	*held = ctx
	s.op.Store(held)
}

func (s *stopper) interrupt() error {
	if s.d.closing.Load() {
		return errShutdown
	}
	if p := s.op.Load(); p != nil {
		switch err := (*p).Err(); {
		case errors.Is(err, context.DeadlineExceeded):
			return errClientTimeout
		case err != nil:
			return errInterrupted
		}
	}
	return nil
}

// memPool is the instance-wide --memory-limit: queries take the memory
// they hold from it in chunks, and it refuses a chunk that would put the
// queries' memory plus the rest of the instance's heap (the graph, caches;
// sampled from the runtime) over the limit.
type memPool struct {
	limit int64
	prev  int64        // the runtime's soft limit before, restored by close
	used  atomic.Int64 // bytes held by running queries
	base  atomic.Int64 // the heap outside queries, at the last sample

	mu        sync.Mutex
	sampled   time.Time // of the last sample
	collected time.Time // of the last collection the pool forced
	sample    []metrics.Sample
}

// headroom: queries may take the heap to all but 1/headroom of the limit.
// The rest is the garbage collector's room: a live heap close to the
// runtime's soft limit makes it collect without pause and the whole process
// crawls (a sort under --memory-limit 1024 took 36 s to reach it).
const headroom = 4

// newMemPool starts a pool of limit bytes and gives the Go runtime the same
// soft limit, so that garbage is collected before the process reaches it.
func newMemPool(limit int64) *memPool {
	p := &memPool{limit: limit, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	p.prev = debug.SetMemoryLimit(limit)
	p.measure(time.Now(), true)
	return p
}

// close gives the runtime back its soft limit from before the pool.
func (p *memPool) close() { debug.SetMemoryLimit(p.prev) }

// measure samples the live heap (as of the last GC) and deducts what the
// queries hold, at most every 100 ms unless force is set.
func (p *memPool) measure(now time.Time, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && now.Sub(p.sampled) < 100*time.Millisecond {
		return
	}
	p.sampled = now
	metrics.Read(p.sample)
	if p.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := int64(p.sample[0].Value.Uint64())
	p.base.Store(max(live-p.used.Load(), 0))
}

// collect runs a garbage collection, at most once a second, and reports
// whether it did. The live heap is only known as of the last collection:
// after a query let go of much memory on an idle server, the sample still
// counts it until something collects.
func (p *memPool) collect(now time.Time) bool {
	p.mu.Lock()
	if now.Sub(p.collected) < time.Second {
		p.mu.Unlock()
		return false
	}
	p.collected = now
	p.mu.Unlock()
	runtime.GC()
	return true
}

// room is what the queries and the rest of the heap may take together.
func (p *memPool) room() int64 { return p.limit - p.limit/headroom }

// reserve takes delta bytes for a query (or gives them back when negative).
// Before refusing, it makes sure the refusal is not a stale sample's.
func (p *memPool) reserve(delta int64) error {
	if delta <= 0 {
		p.used.Add(delta)
		return nil
	}
	now := time.Now()
	p.measure(now, false)
	n := p.used.Add(delta)
	if n+p.base.Load() > p.room() && p.collect(now) {
		p.measure(time.Now(), true)
	}
	if total := n + p.base.Load(); total > p.room() {
		p.used.Add(-delta)
		return &instance.Error{Code: cypher.CodeMemoryPool, Message: fmt.Sprintf(
			"memory limit exceeded: the instance would hold %s, over the %s of its --memory-limit of %s that data may take "+
				"(a quarter is the garbage collector's room; running queries hold %s)",
			cypher.FormatBytes(total), cypher.FormatBytes(p.room()), cypher.FormatBytes(p.limit), cypher.FormatBytes(n-delta))}
	}
	return nil
}
