package bolt

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/quiverdb/quiver/core/value"
)

// toyBackend is a test backend whose "queries" are commands:
//
//	rows N        column n, records 1..N
//	echo          one record holding each parameter, columns sorted
//	lazyecho      one record, read from the parameter map only when pulled:
//	              its entries as sorted "k=v" strings, column params
//	write N       no records, N nodes created (type "w")
//	fail CODE M   Run fails with CODE and message M
//	failnext      the first Next fails
//	block         Next blocks until its context ends
//	values        one record with a sample of every structure
type toyBackend struct {
	user, password string // empty: anyone may connect

	mu        sync.Mutex
	released  int // results the connection released
	commits   int
	committed []string // what committed, in order
}

func (b *toyBackend) Authenticate(_ context.Context, a Auth) error {
	if b.user == "" {
		return nil
	}
	if a.Scheme != "basic" || a.Principal != b.user || a.Credentials != b.password {
		return &Error{Code: CodeUnauthorized, Message: "authentication failure"}
	}
	return nil
}

func (b *toyBackend) Open(ConnInfo) Session { return &toySession{b: b} }

type toySession struct{ b *toyBackend }

func (s *toySession) Run(ctx context.Context, q string, p value.Map, m TxMeta) (Result, error) {
	tx := &toyTx{b: s.b, readOnly: m.ReadOnly}
	r, err := tx.Run(ctx, q, p)
	if err != nil {
		return nil, err
	}
	r.(*toyResult).auto = tx
	return r, nil
}

func (s *toySession) Begin(_ context.Context, m TxMeta) (Tx, error) {
	for _, bm := range m.Bookmarks {
		if !strings.HasPrefix(bm, "bm:") {
			return nil, &Error{Code: "Neo.ClientError.Transaction.InvalidBookmark", Message: "bad bookmark " + bm}
		}
	}
	return &toyTx{b: s.b, readOnly: m.ReadOnly}, nil
}

func (s *toySession) Route(_ context.Context, _ value.Map, _ []string, db string) (RoutingTable, error) {
	if db == "" {
		db = "neo4j"
	}
	a := []string{"localhost:7687"}
	return RoutingTable{TTL: 300, DB: db, Routers: a, Readers: a, Writers: a}, nil
}

func (s *toySession) Close() {}

type toyTx struct {
	b        *toyBackend
	readOnly bool
	writes   []string
}

func (t *toyTx) Run(_ context.Context, q string, p value.Map) (Result, error) {
	f := strings.Fields(q)
	if len(f) == 0 {
		return nil, &Error{Code: "Neo.ClientError.Statement.SyntaxError", Message: "empty query"}
	}
	r := &toyResult{tx: t, typ: "r"}
	switch f[0] {
	case "rows":
		n, _ := strconv.Atoi(f[1])
		r.cols = []string{"n"}
		for i := 1; i <= n; i++ {
			r.rows = append(r.rows, []value.Value{int64(i)})
		}
	case "echo":
		row := []value.Value{}
		for k := range p {
			r.cols = append(r.cols, k)
		}
		sort.Strings(r.cols)
		for _, k := range r.cols {
			row = append(row, p[k])
		}
		r.rows = [][]value.Value{row}
	case "lazyecho":
		r.cols, r.lazy = []string{"params"}, p
	case "write":
		if t.readOnly {
			return nil, &Error{Code: "Neo.ClientError.Statement.AccessMode", Message: "write in a read transaction"}
		}
		n, _ := strconv.Atoi(f[1])
		r.typ, r.stats = "w", Stats{NodesCreated: int64(n), PropertiesSet: int64(n)}
		t.writes = append(t.writes, q)
	case "fail":
		return nil, &Error{Code: f[1], Message: strings.Join(f[2:], " ")}
	case "failnext":
		r.cols, r.failNext = []string{"x"}, true
	case "block":
		r.cols, r.block = []string{"x"}, true
	case "values":
		r.cols, r.rows = sampleColumns, [][]value.Value{sampleValues()}
	default:
		return nil, &Error{Code: "Neo.ClientError.Statement.SyntaxError", Message: "unknown toy query " + q}
	}
	return r, nil
}

func (t *toyTx) Commit(context.Context) (string, error) {
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	t.b.commits++
	t.b.committed = append(t.b.committed, t.writes...)
	return fmt.Sprintf("bm:%d", t.b.commits), nil
}

func (t *toyTx) Rollback(context.Context) error { return nil }

type toyResult struct {
	tx              *toyTx
	auto            *toyTx
	cols            []string
	rows            [][]value.Value
	typ             string
	stats           Stats
	failNext, block bool
	lazy            value.Map // lazyecho: the parameters, read by Next
}

func (r *toyResult) Columns() []string { return r.cols }

func (r *toyResult) Next(ctx context.Context) ([]value.Value, error) {
	switch {
	case r.failNext:
		return nil, &Error{Code: "Neo.ClientError.Statement.ArithmeticError", Message: "/ by zero"}
	case r.block:
		<-ctx.Done()
		return nil, ctx.Err()
	case r.lazy != nil:
		row := []value.Value{lazyEcho(r.lazy)}
		r.lazy = nil
		return row, nil
	case len(r.rows) == 0:
		return nil, nil
	}
	row := r.rows[0]
	r.rows = r.rows[1:]
	return row, nil
}

func (r *toyResult) Summary(ctx context.Context) (Summary, error) {
	s := Summary{Type: r.typ, Stats: r.stats, DB: "neo4j"}
	if r.auto != nil {
		bm, err := r.auto.Commit(ctx)
		if err != nil {
			return s, err
		}
		s.Bookmark = bm
	}
	return s, nil
}

func (r *toyResult) Close() {}

// Release counts the result as released; a second release of the same
// result is a bug the count makes visible (it goes past the results).
func (r *toyResult) Release() {
	r.tx.b.mu.Lock()
	defer r.tx.b.mu.Unlock()
	r.tx.b.released++
}

var sampleColumns = []string{"node", "rel", "path", "date", "time", "localtime", "localdatetime",
	"datetime", "datetimezone", "duration", "point2d", "point3d", "bytes", "list", "map", "float"}

func sampleValues() []value.Value {
	a := value.Node{ID: 1, Labels: []string{"Person"}, Props: value.Map{"name": "Ann"}}
	b := value.Node{ID: 2, Labels: []string{}, Props: value.Map{}}
	r := value.Relationship{ID: 7, StartID: 2, EndID: 1, Type: "KNOWS", Props: value.Map{"since": int64(2020)}}
	return []value.Value{
		a, r,
		value.Path{Nodes: []value.Node{a, b}, Rels: []value.Relationship{r}},
		value.Date{Days: 19000},
		value.Time{Nanos: 3600e9 + 5, OffsetSec: 3600},
		value.LocalTime{Nanos: 45e9},
		value.LocalDateTime{Sec: 1e9, Nsec: 12},
		value.DateTime{Sec: 1e9, Nsec: 5, OffsetSec: 7200},
		value.DateTime{Sec: 1e9, Nsec: 0, OffsetSec: 7200, Zone: "Europe/Berlin"},
		value.Duration{Months: 14, Days: 3, Seconds: 61, Nanos: 9},
		value.Point{SRID: 7203, X: 1.5, Y: -2},
		value.Point{SRID: 4979, X: 1, Y: 2, Z: 3},
		[]byte{1, 2, 3},
		value.List{int64(1), "two", nil, true},
		value.Map{"k": -1.25},
		3.25,
	}
}

// lazyEcho lists a parameter map's entries as sorted "k=v" strings.
func lazyEcho(p value.Map) value.List {
	entries := make([]string, 0, len(p))
	for k, v := range p {
		entries = append(entries, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(entries)
	return fieldList(entries)
}
