package cypher_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

func collect(t *testing.T, e *cypher.Engine, tx cypher.Tx, q string) [][]value.Value {
	t.Helper()
	res, err := e.Run(tx, q, nil)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var rows [][]value.Value
	for {
		rec, ok, err := res.Next()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !ok {
			return rows
		}
		rows = append(rows, rec)
	}
}

// TestHostStatements: SHOW VERSION, SHOW CONFIG, SHOW STORAGE INFO and
// dbms.components() report what the host supplies, and timestamp() the
// statement's time; the engine reads nothing of the OS itself.
func TestHostStatements(t *testing.T) {
	host := cypher.HostInfo{Version: "9.8.7", MemoryRes: 3 << 20, PeakMemoryRes: 5 << 20, MemoryTracked: 1536,
		DiskUsage: 10, VMMaxMapCount: 65530,
		Settings: []cypher.Setting{{Name: "bolt-port", Default: "7687", Current: "7688", Description: "Bolt port"}}}
	now := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
	e := cypher.NewEngine(cypher.Options{Host: func() cypher.HostInfo { return host }, Now: func() time.Time { return now }})
	g := graph.New(graph.Options{ImmediateVisibility: true})
	w := g.Begin(graph.TxOptions{})
	collect(t, e, cypher.NewGraphTx(g, w), "CREATE (:A)-[:R]->(:B), (:C)")
	if _, _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	tx := g.Begin(graph.TxOptions{ReadOnly: true})
	defer tx.Abort()
	gtx := cypher.NewGraphTx(g, tx)

	if got := collect(t, e, gtx, "SHOW VERSION"); !cmp.Equal(got, [][]value.Value{{"9.8.7"}}) {
		t.Errorf("SHOW VERSION: %v", got)
	}
	if got := collect(t, e, gtx, "SHOW CONFIG"); !cmp.Equal(got, [][]value.Value{{"bolt-port", "7687", "7688", "Bolt port"}}) {
		t.Errorf("SHOW CONFIG: %v", got)
	}
	if got := collect(t, e, gtx, "CALL dbms.components()"); !cmp.Equal(got, [][]value.Value{{"Quiver", value.List{"9.8.7"}, "community"}}) {
		t.Errorf("dbms.components(): %v", got)
	}
	if got := collect(t, e, gtx, "RETURN timestamp() AS t"); !cmp.Equal(got, [][]value.Value{{now.UnixMilli()}}) {
		t.Errorf("timestamp(): %v", got)
	}
	info := map[string]value.Value{}
	for _, r := range collect(t, e, gtx, "SHOW STORAGE INFO") {
		info[r[0].(string)] = r[1]
	}
	want := map[string]value.Value{"name": "memgraph", "vertex_count": int64(3), "edge_count": int64(1), "average_degree": 2.0 / 3,
		"memory_res": "3.00MiB", "peak_memory_res": "5.00MiB", "memory_tracked": "1.50KiB", "disk_usage": "10B",
		"allocation_limit": "0B", "vm_max_map_count": int64(65530), "storage_mode": "IN_MEMORY_TRANSACTIONAL",
		"global_isolation_level": "SNAPSHOT_ISOLATION"}
	for k, v := range want {
		if !cmp.Equal(info[k], v) {
			t.Errorf("SHOW STORAGE INFO %s = %v, want %v", k, info[k], v)
		}
	}
}

// TestShowIsRead: SHOW statements are reads (they run in read-only
// transactions and read access mode); index and constraint changes are not.
func TestShowIsRead(t *testing.T) {
	e := cypher.NewEngine(cypher.Options{})
	for q, write := range map[string]bool{"SHOW INDEXES": false, "SHOW STORAGE INFO": false, "SHOW CONFIG": false,
		"CALL db.labels()": false, "CREATE INDEX FOR (n:L) ON (n.p)": true, "DROP CONSTRAINT c IF EXISTS": true} {
		p, err := e.Prepare(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if p.IsWrite() != write {
			t.Errorf("%s: IsWrite %v", q, p.IsWrite())
		}
	}
}
