package graph

import (
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/quiverdb/quiver/core/value"
	"pgregory.net/rapid"
)

// colKeys are the properties the column tests read: two the generator
// writes and one nobody has.
var colKeys = []string{"a", "b", "zz"}

// scanRow is one vertex a scan yields, with its colKeys values.
type scanRow struct {
	id   int64
	vals [3]value.Value
}

// rowsByNext scans with Next and Property: the reference.
func rowsByNext(it *VertexIter) []scanRow {
	var out []scanRow
	for it.Next() {
		r := scanRow{id: it.ID()}
		for j, k := range colKeys {
			r.vals[j] = it.Property(k)
		}
		out = append(out, r)
	}
	return out
}

// rowsByBlock scans with NextBlock and returns the rows and how many came
// in column form. It checks each block's own consistency on the way:
// Present against Value, Ints against the boxed value, and Property after
// the block (the block's last vertex).
func rowsByBlock(it *VertexIter) ([]scanRow, int, error) {
	var out []scanRow
	columnar := 0
	b := PropBlock{IDs: make([]int64, 32), Vals: make([]value.Value, 32*len(colKeys))}
	for {
		n := it.NextBlock(colKeys, &b)
		if n == 0 {
			return out, columnar, nil
		}
		if b.Columnar {
			columnar += n
		}
		for i := range n {
			r := scanRow{id: b.ID(i)}
			for j := range colKeys {
				r.vals[j] = b.Value(i, j)
				if !b.Columnar {
					continue
				}
				c := &b.Cols[j]
				if c.Present(i) != (r.vals[j] != nil) {
					return nil, 0, fmt.Errorf("vertex %d key %s: Present %v, value %v", r.id, colKeys[j], c.Present(i), r.vals[j])
				}
				if c.Kind == ColumnInts && c.Present(i) && c.Ints[i] != r.vals[j] {
					return nil, 0, fmt.Errorf("vertex %d key %s: column %d, value %v", r.id, colKeys[j], c.Ints[i], r.vals[j])
				}
			}
			out = append(out, r)
		}
		if got, want := it.Property("a"), out[len(out)-1].vals[0]; got != want {
			return nil, 0, fmt.Errorf("Property after a block: %v, want %v", got, want)
		}
	}
}

// compareScans checks that tx's block scans (by label L, and of every
// vertex) yield what Next and Property do, and returns how many vertices
// came in column form.
func compareScans(tx *Txn) (int, error) {
	columnar := 0
	for _, scan := range []func() *VertexIter{func() *VertexIter { return tx.VerticesByLabel("L") }, tx.Vertices} {
		want := rowsByNext(scan())
		got, n, err := rowsByBlock(scan())
		if err != nil {
			return 0, err
		}
		if !reflect.DeepEqual(got, want) {
			return 0, fmt.Errorf("block scan differs:\n got %v\nwant %v", got, want)
		}
		columnar += n
	}
	return columnar, nil
}

// drawColValue draws a property value of a mixed type (nil: remove it).
func drawColValue(t *rapid.T, label string) value.Value {
	switch rapid.IntRange(0, 9).Draw(t, label+" kind") {
	case 0:
		return nil
	case 1:
		return rapid.Float64Range(-3, 3).Draw(t, label+" float")
	case 2:
		return rapid.StringMatching("[xy]{0,2}").Draw(t, label+" string")
	case 3:
		return rapid.Int64().Draw(t, label+" big")
	}
	return rapid.Int64Range(-2, 1100).Draw(t, label+" int")
}

// TestColumnsMatchRows checks, over random histories of bulk loads,
// updates, deletes, label changes, aborted writes and garbage collection,
// that scans reading packed runs by column yield exactly what the
// version-by-version scan does, for readers whose snapshots predate
// later writes, fresh readers, and a writer with uncommitted changes.
func TestColumnsMatchRows(t *testing.T) {
	var columnar atomic.Int64
	rapid.Check(t, func(t *rapid.T) {
		g := New(Options{ImmediateVisibility: true})
		if rapid.Bool().Draw(t, "label index") { // walked, or scanned when L is dense
			if _, _, err := g.CreateIndex(SchemaItem{Kind: KindLabelIndex, Name: "L"}); err != nil {
				t.Fatal(err)
			}
		}
		var readers []*Txn
		defer func() {
			for _, r := range readers {
				r.Abort()
			}
		}()
		nv := int64(0)
		live := func(tx *Txn) int64 { // a random vertex that may exist
			return rapid.Int64Range(0, max(nv-1, 0)).Draw(t, "vertex")
		}
		for step := range rapid.IntRange(1, 12).Draw(t, "steps") {
			switch rapid.IntRange(0, 5).Draw(t, fmt.Sprintf("step %d", step)) {
			case 0, 1: // a bulk load: one label set, or mixed ones
				tx := g.Begin(TxOptions{})
				mixed := rapid.Bool().Draw(t, "mixed labels")
				for range rapid.IntRange(packRun, 3*packRun).Draw(t, "bulk") {
					id, _ := tx.CreateVertex()
					nv++
					if !mixed || rapid.Bool().Draw(t, "has L") {
						rcheck(t, tx.AddLabel(id, "L"))
					}
					if mixed && rapid.Bool().Draw(t, "has M") {
						rcheck(t, tx.AddLabel(id, "M"))
					}
					for _, k := range colKeys[:2] {
						if v := drawColValue(t, k); v != nil {
							rcheck(t, tx.SetVertexProperty(id, k, v))
						}
					}
				}
				if _, _, err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			case 2: // a few writes, committed or aborted
				tx := g.Begin(TxOptions{})
				for range rapid.IntRange(1, 5).Draw(t, "writes") {
					id := live(tx)
					if !tx.HasVertex(id) {
						continue
					}
					switch rapid.IntRange(0, 3).Draw(t, "write") {
					case 0:
						rcheck(t, tx.SetVertexProperty(id, "a", drawColValue(t, "a")))
					case 1:
						rcheck(t, tx.DeleteVertex(id, true))
					case 2:
						rcheck(t, tx.RemoveLabel(id, "L"))
					case 3:
						rcheck(t, tx.AddLabel(id, "M"))
					}
				}
				if rapid.Bool().Draw(t, "abort") {
					tx.Abort()
				} else if _, _, err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			case 3:
				g.CollectGarbage()
			case 4: // a reader whose snapshot later writes go past
				if len(readers) < 3 {
					readers = append(readers, g.Begin(TxOptions{ReadOnly: true}))
				}
			case 5:
				if len(readers) > 0 {
					readers[0].Abort()
					readers = readers[1:]
				}
			}
			if err := checkDirtyBits(g); err != nil {
				t.Fatal(err)
			}
			fresh := g.Begin(TxOptions{ReadOnly: true})
			for _, tx := range append([]*Txn{fresh}, readers...) {
				n, err := compareScans(tx)
				if err != nil {
					t.Fatal(err)
				}
				columnar.Add(int64(n))
			}
			fresh.Abort()
		}
		// a writer's own uncommitted changes show in its block scans
		w := g.Begin(TxOptions{})
		defer w.Abort()
		for range rapid.IntRange(0, 4).Draw(t, "own writes") {
			if id := live(w); w.HasVertex(id) {
				rcheck(t, w.SetVertexProperty(id, "b", drawColValue(t, "own b")))
			}
		}
		if err := checkDirtyBits(g); err != nil {
			t.Fatal(err)
		}
		if _, err := compareScans(w); err != nil {
			t.Fatal(err)
		}
	})
	if columnar.Load() == 0 {
		t.Fatal("no scan read a packed run by column: the test checked only the row path")
	}
}

// TestColumnsTakeOverRepackedVertices checks that a run packed again
// after its vertices were rewritten takes them over from the old run's
// columns (which drops the old run once none of its packed versions is a
// head any more), and that a reader holding a snapshot from before the
// rewrite still reads the old values.
func TestColumnsTakeOverRepackedVertices(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	for i := range int64(4 * packRun) {
		id := must[int64](t)(tx.CreateVertex())
		check(t, tx.AddLabel(id, "L"))
		check(t, tx.SetVertexProperty(id, "a", i))
	}
	must[uint64](t)(commitTS(tx))
	g.CollectGarbage()
	old := g.Begin(TxOptions{ReadOnly: true})
	defer old.Abort()
	tx = g.Begin(TxOptions{})
	for id := int64(packRun); id < 3*packRun; id++ { // the middle half
		check(t, tx.SetVertexProperty(id, "a", -id))
	}
	must[uint64](t)(commitTS(tx))
	g.CollectGarbage() // old holds the horizon: nothing packed yet
	if n := len(*g.runs.Load()); n != 1 {
		t.Fatalf("%d pieces while a reader holds the old versions, want 1", n)
	}
	if _, err := compareScans(old); err != nil {
		t.Fatal(err)
	}
	old.Abort()
	g.CollectGarbage()
	pieces := *g.runs.Load()
	var bounds [][2]int64
	for _, p := range pieces {
		bounds = append(bounds, [2]int64{p.lo, p.hi})
	}
	want := [][2]int64{{0, packRun}, {packRun, 3 * packRun}, {3 * packRun, 4 * packRun}}
	if !reflect.DeepEqual(bounds, want) || pieces[0].run != pieces[2].run || pieces[1].run == pieces[0].run {
		t.Fatalf("pieces %v, want %v with the middle one a new run", bounds, want)
	}
	r := g.Begin(TxOptions{ReadOnly: true})
	defer r.Abort()
	n, err := compareScans(r)
	if err != nil || n != 2*4*packRun {
		t.Fatalf("columnar vertices %d (%v), want every vertex of both scans", n, err)
	}
	if got := rowsByNext(r.VerticesByLabel("L"))[2*packRun].vals[0]; got != int64(-2*packRun) {
		t.Fatalf("a = %v after the rewrite", got)
	}
	tx = g.Begin(TxOptions{}) // rewrite the rest: the old run dies at its next collection
	for _, id := range append(seq(0, packRun), seq(3*packRun, 4*packRun)...) {
		check(t, tx.SetVertexProperty(id, "a", int64(7)))
	}
	must[uint64](t)(commitTS(tx))
	r.Abort()
	g.CollectGarbage()
	for _, p := range *g.runs.Load() {
		if p.run == pieces[0].run {
			t.Fatalf("the old run's piece %d..%d survived its last packed head", p.lo, p.hi)
		}
	}
}

// commitTS commits tx and returns its timestamp.
func commitTS(tx *Txn) (uint64, error) {
	ts, _, err := tx.Commit()
	return ts, err
}

// seq returns lo, lo+1, ..., hi-1.
func seq(lo, hi int64) []int64 {
	var out []int64
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// TestColumnScansRaceWrites scans by column on other goroutines while the
// owner rewrites, deletes and packs vertices of the scanned runs, for the
// race detector, and checks every scan sees one consistent snapshot: the
// sum of property a over the label is what the snapshot's commit made it.
func TestColumnScansRaceWrites(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	const n = 8 * packRun
	tx := g.Begin(TxOptions{})
	for range n {
		id := must[int64](t)(tx.CreateVertex())
		check(t, tx.AddLabel(id, "L"))
		check(t, tx.SetVertexProperty(id, "a", int64(1)))
	}
	must[uint64](t)(commitTS(tx))
	var sums sync.Map // commit timestamp -> the sum of a readers at it must see
	sums.Store(g.VisibleTS(), int64(n))
	g.CollectGarbage()
	var stop atomic.Bool
	var columnar, scans atomic.Int64
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := sumByBlocks(g, &sums, &columnar); err != nil {
					errs <- err
					return
				}
				scans.Add(1)
			}
		}()
	}
	sum := int64(n)
	for round := range 40 {
		// let the readers scan what the last round left
		for seen := scans.Load(); scans.Load() < seen+2 && len(errs) == 0; {
			runtime.Gosched()
		}
		tx := g.Begin(TxOptions{})
		for k := range 8 { // move one unit from vertex to vertex
			from, to := int64((round*7+k*13)%n), int64((round*11+k*5)%n)
			a, _ := tx.VertexProperty(from, "a")
			b, _ := tx.VertexProperty(to, "a")
			if from == to || a == nil || b == nil {
				continue
			}
			check(t, tx.SetVertexProperty(from, "a", a.(int64)-1))
			check(t, tx.SetVertexProperty(to, "a", b.(int64)+1))
		}
		if round%5 == 4 {
			id := int64(round * 3 % n)
			if a, _ := tx.VertexProperty(id, "a"); a != nil {
				sum -= a.(int64)
				check(t, tx.DeleteVertex(id, true))
			}
		}
		ts := must[uint64](t)(commitTS(tx))
		sums.Store(ts, sum)
		g.CollectGarbage()
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if columnar.Load() == 0 {
		t.Fatal("no concurrent scan read by column")
	}
}

// sumByBlocks sums property a over label L with NextBlock in a fresh
// snapshot and checks it against the sum recorded for that snapshot.
func sumByBlocks(g *Graph, sums *sync.Map, columnar *atomic.Int64) error {
	tx := g.Begin(TxOptions{ReadOnly: true})
	defer tx.Abort()
	want, ok := sums.Load(tx.start)
	if !ok {
		return nil // the owner has not recorded this commit's sum yet
	}
	it := tx.VerticesByLabel("L")
	b := PropBlock{IDs: make([]int64, 64), Vals: make([]value.Value, 64)}
	sum := int64(0)
	for {
		n := it.NextBlock([]string{"a"}, &b)
		if n == 0 {
			break
		}
		if b.Columnar {
			columnar.Add(int64(n))
		}
		for i := range n {
			sum += b.Value(i, 0).(int64)
		}
	}
	if sum != want.(int64) {
		return fmt.Errorf("snapshot %d: sum %d, want %d", tx.start, sum, want)
	}
	return nil
}

// rcheck fails the rapid test t on err.
func rcheck(t *rapid.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkDirtyBits checks what column reads rely on: a vertex whose dirty
// bit is clear still has its run's packed version as its head, the only
// version there is.
func checkDirtyBits(g *Graph) error {
	pp := g.runs.Load()
	if pp == nil {
		return nil
	}
	for _, p := range *pp {
		for id := p.lo; id < p.hi; id++ {
			i := id - p.run.lo
			if head := g.vertices.get(id).head.Load(); !p.run.isDirty(i) && (head != &p.run.vers[i] || head.prev.Load() != nil) {
				return fmt.Errorf("vertex %d: dirty bit clear, but its head is not its only, packed version", id)
			}
		}
	}
	return nil
}

// TestColumnsDroppedWithTheirVertices checks that a packed run whose
// vertices are all deleted loses its columns at the next collection,
// which packs nothing new, and that one surviving vertex keeps it.
func TestColumnsDroppedWithTheirVertices(t *testing.T) {
	g := New(Options{ImmediateVisibility: true})
	tx := g.Begin(TxOptions{})
	for i := range int64(2 * packRun) {
		id := must[int64](t)(tx.CreateVertex())
		check(t, tx.SetVertexProperty(id, "a", i))
	}
	must[uint64](t)(commitTS(tx))
	g.CollectGarbage()
	deleteAll := func(ids []int64) {
		tx := g.Begin(TxOptions{})
		for _, id := range ids {
			check(t, tx.DeleteVertex(id, true))
		}
		must[uint64](t)(commitTS(tx))
		g.CollectGarbage()
	}
	deleteAll(seq(1, 2*packRun))
	if n := len(*g.runs.Load()); n != 1 {
		t.Fatalf("%d pieces with one packed vertex left, want 1", n)
	}
	deleteAll([]int64{0})
	if n := len(*g.runs.Load()); n != 0 {
		t.Fatalf("%d pieces after every vertex was deleted, want 0", n)
	}
}
