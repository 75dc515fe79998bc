package instance

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/quiverdb/quiver/core/value"
)

// registry holds the running transactions, for SHOW TRANSACTIONS and
// TERMINATE TRANSACTIONS. Read-only transactions of the real host register
// from their sessions' goroutines (DESIGN.md's one exception), so it is
// guarded by a mutex; in the simulator every call comes from the loop.
type registry struct {
	mu   sync.Mutex
	next int64
	m    map[int64]*txEntry
}

// txEntry is one running transaction.
type txEntry struct {
	id     int64 // shown as its decimal digits
	user   string
	query  string // guarded by registry.mu; empty until the first query
	meta   value.Map
	killed atomic.Bool // TERMINATE TRANSACTIONS
}

// add registers a transaction of user running query (may be empty).
func (r *registry) add(user, query string, meta value.Map) *txEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[int64]*txEntry{}
	}
	return r.addLocked(&txEntry{}, user, query, meta)
}

// addInto registers a transaction as add does, in e: an entry of a
// transaction that ended (and so was removed), reused.
func (r *registry) addInto(e *txEntry, user, query string, meta value.Map) *txEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[int64]*txEntry{}
	}
	return r.addLocked(e, user, query, meta)
}

// addLocked fills e with a new id and registers it; r.mu is held.
func (r *registry) addLocked(e *txEntry, user, query string, meta value.Map) *txEntry {
	r.next++
	e.id, e.user, e.query, e.meta = r.next, user, query, meta
	e.killed.Store(false) // before it is listed: a TERMINATE of it comes after
	r.m[e.id] = e
	return e
}

func (r *registry) remove(e *txEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, e.id)
}

func (r *registry) setQuery(e *txEntry, q string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.query = q
}

// terminate marks the transaction id killed and reports whether it runs.
func (r *registry) terminate(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != id { // only the spelling SHOW TRANSACTIONS gives
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[n]
	if ok {
		e.killed.Store(true)
	}
	return ok
}

// show lists the running transactions as SHOW TRANSACTIONS rows (username,
// transaction_id, query, metadata), in the order they began.
func (r *registry) show() [][]value.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	es := make([]*txEntry, 0, len(r.m))
	for _, e := range r.m {
		es = append(es, e)
	}
	sortEntries(es)
	rows := make([][]value.Value, 0, len(es))
	for _, e := range es {
		q := value.List{}
		if e.query != "" {
			q = value.List{strings.TrimSpace(e.query)}
		}
		meta := e.meta
		if meta == nil {
			meta = value.Map{}
		}
		rows = append(rows, []value.Value{e.user, strconv.FormatInt(e.id, 10), q, meta})
	}
	return rows
}

// sortEntries orders entries by their id.
func sortEntries(es []*txEntry) {
	slices.SortFunc(es, func(a, b *txEntry) int { return cmp.Compare(a.id, b.id) })
}
