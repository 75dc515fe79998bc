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
	m    map[string]*txEntry
}

// txEntry is one running transaction.
type txEntry struct {
	id     string
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
		r.m = map[string]*txEntry{}
	}
	r.next++
	e := &txEntry{id: strconv.FormatInt(r.next, 10), user: user, query: query, meta: meta}
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
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[id]
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
		rows = append(rows, []value.Value{e.user, e.id, q, meta})
	}
	return rows
}

// sortEntries orders entries by their numeric id.
func sortEntries(es []*txEntry) {
	num := func(e *txEntry) int64 { n, _ := strconv.ParseInt(e.id, 10, 64); return n }
	slices.SortFunc(es, func(a, b *txEntry) int { return cmp.Compare(num(a), num(b)) })
}
