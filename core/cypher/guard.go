package cypher

import (
	"fmt"

	"github.com/quiverdb/quiver/core/value"
)

// CodeMemoryLimit is the status of a query that would hold more memory than
// its own limit allows (Neo4j's, for a transaction over its maximum size;
// a client error, since retrying cannot help).
const CodeMemoryLimit = "Neo.ClientError.General.TransactionOutOfMemoryError"

// CodeMemoryPool is the status of a query refused memory by a limit it
// shares with others (Neo4j's, for its total transaction memory pool; a
// transient error, since the others may finish).
const CodeMemoryPool = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"

// tickEvery is how many ticks pass between two calls of Guard.Interrupt.
const tickEvery = 1024

// reserveChunk is the granularity in which a guard takes memory from the
// host's shared pool, so that a pool shared by many queries is touched once
// per chunk, not once per row.
const reserveChunk = 1 << 20

// Guard bounds one execution: it stops it when the host asks, and fails it
// when it would hold more memory than allowed. Operators that produce or
// hold rows call Tick for each row, Grow for what they keep and Shrink for
// what they let go. The guard never reads a clock: a deadline is the host's
// business, expressed through Interrupt. A nil *Guard bounds nothing.
//
// A Guard serves one execution at a time, on one goroutine; only what
// Interrupt and Reserve read may be shared with the host.
type Guard struct {
	// Interrupt is asked every 1024 ticks (and once before the first row)
	// whether the query must stop; a non-nil error stops it and becomes its
	// error. The host answers from a flag it sets (TERMINATE TRANSACTIONS,
	// RESET, a timer for the query timeout, a client gone, shutdown).
	Interrupt func() error
	// Limit bounds the bytes the query holds (0: no per-query limit).
	Limit int64
	// LimitName names the limit in the error ("--query-memory-limit").
	LimitName string
	// Reserve, when set, takes delta bytes from (or, negative, returns them
	// to) a pool the host shares between queries, in whole MiB; an error
	// fails the query with it (the instance-wide --memory-limit).
	Reserve func(delta int64) error

	ticks    uint32
	used     int64 // bytes held now
	peak     int64 // most bytes held at once
	reserved int64 // bytes taken from the host's pool
}

// MemoryError is the error of a query that ran out of memory: it names the
// limit it met.
type MemoryError struct {
	Limit     int64  // the limit in bytes
	LimitName string // how the user set it
	Want      int64  // the bytes the query would have held
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("memory limit exceeded: the query would hold %s, over the %s of %s",
		FormatBytes(e.Want), e.LimitName, FormatBytes(e.Limit))
}

// FormatBytes prints n as KiB, MiB or GiB with one decimal.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// memErr wraps a MemoryError as an engine error with its Neo4j status.
func memErr(m *MemoryError) *Error {
	return &Error{Code: CodeMemoryLimit, Detail: "MemoryLimitExceeded", Phase: PhaseRuntime, Msg: m.Error()}
}

// Tick counts one row and, every 1024 rows, asks the host whether to stop.
func (g *Guard) Tick() error {
	if g == nil || g.Interrupt == nil {
		return nil
	}
	g.ticks++
	if g.ticks%tickEvery != 0 {
		return nil
	}
	return g.Interrupt()
}

// TickN is n calls of Tick at once (a loop over a block of n rows): it
// asks Interrupt once when a multiple of tickEvery lies among them.
func (g *Guard) TickN(n int) error {
	if g == nil || g.Interrupt == nil || n <= 0 {
		return nil
	}
	before := g.ticks / tickEvery
	g.ticks += uint32(n)
	if g.ticks/tickEvery == before {
		return nil
	}
	return g.Interrupt()
}

// check asks the host whether to stop now, whatever the tick count.
func (g *Guard) check() error {
	if g == nil || g.Interrupt == nil {
		return nil
	}
	return g.Interrupt()
}

// Grow accounts n more bytes held by the query, or fails with the limit it
// would exceed (and then holds nothing more).
func (g *Guard) Grow(n int64) error {
	if g == nil || n <= 0 {
		return nil
	}
	want := g.used + n
	if g.Limit > 0 && want > g.Limit {
		return memErr(&MemoryError{Limit: g.Limit, LimitName: g.LimitName, Want: want})
	}
	if g.Reserve != nil && want > g.reserved {
		need := (want - g.reserved + reserveChunk - 1) / reserveChunk * reserveChunk
		if err := g.Reserve(need); err != nil {
			return err
		}
		g.reserved += need
	}
	g.used = want
	g.peak = max(g.peak, want)
	return nil
}

// Shrink gives back n bytes the query no longer holds.
func (g *Guard) Shrink(n int64) {
	if g == nil || n <= 0 {
		return
	}
	g.used = max(g.used-n, 0)
	if g.Reserve != nil && g.reserved-g.used > 2*reserveChunk {
		back := (g.reserved - g.used - reserveChunk) / reserveChunk * reserveChunk
		_ = g.Reserve(-back) // returning memory cannot fail
		g.reserved -= back
	}
}

// Check fails when the query could not hold n more bytes for a moment (a
// list a function builds), without keeping them.
func (g *Guard) Check(n int64) error {
	if err := g.Grow(n); err != nil {
		return err
	}
	g.Shrink(n)
	return nil
}

// Release returns everything the query took from the host's pool; the
// host calls it when the execution ends, however it ends.
func (g *Guard) Release() {
	if g == nil {
		return
	}
	if g.Reserve != nil && g.reserved > 0 {
		_ = g.Reserve(-g.reserved) // returning memory cannot fail
	}
	g.used, g.reserved = 0, 0
}

// Used reports the bytes the query holds now.
func (g *Guard) Used() int64 {
	if g == nil {
		return 0
	}
	return g.used
}

// Peak reports the most bytes the query held at once.
func (g *Guard) Peak() int64 {
	if g == nil {
		return 0
	}
	return g.peak
}

// Estimated sizes of the engine's data, close to what Go allocates for
// them: an interface slot, a slice header and a small map (one Swiss-table
// group plus its header).
const (
	ifaceBytes   = 16
	sliceBytes   = 24
	rowBaseBytes = 320
)

// rowBytes estimates the memory one row holds: its slots and what its
// values hold beyond their interface slots.
func rowBytes(r row) int64 {
	n := int64(sliceBytes + len(r)*ifaceBytes)
	for _, v := range r {
		if !isUnbound(v) {
			n += valueBytes(v) - ifaceBytes
		}
	}
	return n
}

// valuesBytes estimates the memory of a slice of values.
func valuesBytes(vs []value.Value) int64 {
	n := int64(24)
	for _, v := range vs {
		n += valueBytes(v)
	}
	return n
}

// valueBytes estimates the memory v holds, its interface slot included.
func valueBytes(v value.Value) int64 {
	switch x := v.(type) {
	case nil, bool, nodeRef, relRef:
		return ifaceBytes
	case int64, float64:
		return ifaceBytes + 8
	case string:
		return ifaceBytes + 16 + int64(len(x))
	case value.List:
		return ifaceBytes + valuesBytes(x)
	case value.Map:
		n := int64(ifaceBytes + rowBaseBytes)
		for k, e := range x {
			n += int64(len(k)) + valueBytes(e)
		}
		return n
	case pathRef:
		return ifaceBytes + 48 + 8*int64(len(x.nodes)+len(x.rels))
	}
	return ifaceBytes + 64
}

// RecordBytes estimates the memory of one result record, for a host that
// buffers results and accounts them to the same guard.
func RecordBytes(rec []value.Value) int64 { return valuesBytes(rec) }
