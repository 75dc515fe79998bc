package durability

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/value"
)

var dcmp = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

func sampleDeltas() []graph.Delta {
	return []graph.Delta{
		{Op: graph.OpCreateIndex, Name: "Person", Key: "name", Kind: graph.KindLabelPropertyIndex},
		{Op: graph.OpCreateConstraint, Name: "Person", Key: "id", Kind: graph.KindUnique, Alias: "person_id"},
		{Op: graph.OpCreateVertex, ID: 1},
		{Op: graph.OpAddLabel, ID: 1, Name: "Person"},
		{Op: graph.OpSetVertexProp, ID: 1, Key: "name", Value: "Ada"},
		{Op: graph.OpSetVertexProp, ID: 1, Key: "tags", Value: value.List{int64(1), 2.5, nil}},
		{Op: graph.OpCreateVertex, ID: 2},
		{Op: graph.OpCreateEdge, ID: 7, From: 1, To: 2, Name: "KNOWS"},
		{Op: graph.OpSetEdgeProp, ID: 7, Key: "since", Value: value.Date{Days: 19000}},
		{Op: graph.OpSetVertexProp, ID: 1, Key: "name"},
		{Op: graph.OpDeleteEdge, ID: 7},
		{Op: graph.OpDeleteVertex, ID: 2},
	}
}

func genDelta() *rapid.Generator[graph.Delta] {
	return rapid.Custom(func(t *rapid.T) graph.Delta {
		d := graph.Delta{
			Op:   graph.DeltaOp(rapid.IntRange(int(graph.OpCreateVertex), int(graph.OpDropConstraint)).Draw(t, "op")),
			ID:   rapid.Int64().Draw(t, "id"),
			From: rapid.Int64Range(-3, 1<<40).Draw(t, "from"),
			To:   rapid.Int64Range(0, 10).Draw(t, "to"),
			Name: rapid.SampledFrom([]string{"", "L", "KNOWS", "héllo"}).Draw(t, "name"),
			Key:  rapid.String().Draw(t, "key"),
			Kind: rapid.Uint8().Draw(t, "kind"),
		}
		if rapid.Bool().Draw(t, "aliased") {
			d.Alias = rapid.String().Draw(t, "alias")
		}
		switch rapid.IntRange(0, 3).Draw(t, "v") {
		case 1:
			d.Value = rapid.Int64().Draw(t, "i")
		case 2:
			d.Value = rapid.String().Draw(t, "s")
		case 3:
			d.Value = value.Map{"k": rapid.Float64().Draw(t, "f")}
		}
		return d
	})
}

func TestDeltasRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ds := rapid.SliceOfN(genDelta(), 0, 20).Draw(t, "ds")
		b := AppendDeltas([]byte{9}, ds)
		got, rest, err := DecodeDeltas(append(b[1:], 5))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rest, []byte{5}) {
			t.Fatalf("rest %x", rest)
		}
		if d := cmp.Diff(ds, got, dcmp); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
	})
}

func TestDecodeDeltasRejectsBadInput(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":       {},
		"huge count":  {0xff, 0xff, 0xff, 0x7f, 1, 0},
		"unknown op":  {1, 99, 0},
		"zero op":     {1, 0, 0},
		"short alias": {1, 9, fAlias, 5, 'a'},
		"short id":    {1, 1, fID},
		"short name":  {1, 1, fName, 10, 'a'},
		"bad value":   {1, 1, fValue, 250},
	} {
		if _, _, err := DecodeDeltas(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// TestDecodeDeltasBeforeAlias decodes schema deltas as Quiver wrote them
// before deltas carried an index or constraint's alias (the bytes are
// spelled out, not produced by AppendDeltas): existing WAL segments and
// snapshots hold them, and they read as items without an alias.
func TestDecodeDeltasBeforeAlias(t *testing.T) {
	old := []byte{
		2,                               // two deltas
		byte(graph.OpCreateIndex), 0x38, // fName|fKey|fKind
		6, 'P', 'e', 'r', 's', 'o', 'n', 4, 'n', 'a', 'm', 'e', graph.KindLabelPropertyIndex,
		byte(graph.OpCreateConstraint), 0x38, // fName|fKey|fKind
		1, 'L', 1, 'p', graph.KindUnique,
	}
	got, rest, err := DecodeDeltas(old)
	if err != nil || len(rest) != 0 {
		t.Fatalf("old encoding: %v (rest %x)", err, rest)
	}
	want := []graph.Delta{
		{Op: graph.OpCreateIndex, Name: "Person", Key: "name", Kind: graph.KindLabelPropertyIndex},
		{Op: graph.OpCreateConstraint, Name: "L", Key: "p", Kind: graph.KindUnique},
	}
	if d := cmp.Diff(want, got, dcmp); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if again := AppendDeltas(nil, got); !bytes.Equal(again, old) {
		t.Fatalf("an item without an alias no longer encodes as before: %x, was %x", again, old)
	}
}

// FuzzDecodeDeltas checks that the delta decoder never panics and that what
// it accepts re-encodes to something it decodes the same way.
func FuzzDecodeDeltas(f *testing.F) {
	f.Add(AppendDeltas(nil, sampleDeltas()))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, _, err := DecodeDeltas(b)
		if err != nil {
			return
		}
		again, rest, err := DecodeDeltas(AppendDeltas(nil, ds))
		if err != nil || len(rest) != 0 {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if d := cmp.Diff(ds, again, dcmp); d != "" {
			t.Fatal(d)
		}
	})
}

// buildSegment returns a segment holding n records starting at ts first,
// and the offset at which each record starts.
func buildSegment(first uint64, n int) ([]byte, []int, []Record) {
	b := appendSegHeader(nil, first)
	var offs []int
	var recs []Record
	prev := uint64(0)
	for i := 0; i < n; i++ {
		r := Record{Epoch: 3, TS: first + uint64(i)*2, PrevTS: prev, Deltas: sampleDeltas()[:1+i%5]}
		if i == 0 {
			r.PrevTS = first - 1
		}
		offs = append(offs, len(b))
		b = AppendRecord(b, &r)
		recs = append(recs, r)
		prev = r.TS
	}
	return b, offs, recs
}

func TestScanSegmentValid(t *testing.T) {
	b, _, recs := buildSegment(10, 6)
	for _, last := range []bool{false, true} {
		sc := scanSegment("wal/x", 10, b, last)
		if sc.corrupt != nil || sc.torn != "" || sc.end != int64(len(b)) {
			t.Fatalf("last=%v: %+v", last, sc)
		}
		if d := cmp.Diff(recs, sc.recs, dcmp); d != "" {
			t.Fatal(d)
		}
	}
}

// TestScanSegmentTornTail cuts the last record at every length: in the last
// segment that is a torn tail keeping every earlier record; in any other
// segment it is corruption at the cut record's offset.
func TestScanSegmentTornTail(t *testing.T) {
	b, offs, _ := buildSegment(10, 4)
	lastOff := offs[3]
	for cut := lastOff + 1; cut < len(b); cut++ {
		sc := scanSegment("wal/x", 10, b[:cut], true)
		if sc.torn == "" || sc.corrupt != nil || len(sc.recs) != 3 || sc.end != int64(lastOff) {
			t.Fatalf("cut %d: torn=%q corrupt=%v recs=%d end=%d", cut, sc.torn, sc.corrupt, len(sc.recs), sc.end)
		}
		sc = scanSegment("wal/x", 10, b[:cut], false)
		if sc.corrupt == nil || sc.corrupt.Offset != int64(lastOff) {
			t.Fatalf("cut %d in a non-last segment: corrupt=%v", cut, sc.corrupt)
		}
	}
	for cut := 0; cut < segHeaderSize; cut++ {
		if sc := scanSegment("wal/x", 10, b[:cut], true); sc.torn == "" || len(sc.recs) != 0 {
			t.Fatalf("header cut at %d: %+v", cut, sc)
		}
	}
	zeros := append(append([]byte{}, b...), make([]byte, 100)...)
	if sc := scanSegment("wal/x", 10, zeros, true); sc.torn == "" || len(sc.recs) != 4 {
		t.Fatalf("zero tail: %+v", sc)
	}
}

// TestScanSegmentCorruption flips every bit of a middle record: it must be
// reported as corruption at that record's offset (or earlier), never torn.
func TestScanSegmentCorruption(t *testing.T) {
	b, offs, _ := buildSegment(10, 4)
	for off := offs[1]; off < offs[2]; off++ {
		for bit := 0; bit < 8; bit++ {
			c := append([]byte{}, b...)
			c[off] ^= 1 << bit
			sc := scanSegment("wal/x", 10, c, true)
			if sc.corrupt == nil || sc.torn != "" {
				t.Fatalf("flip at %d bit %d not detected: %+v", off, bit, sc)
			}
			if sc.corrupt.Offset != int64(offs[1]) {
				t.Fatalf("flip at %d: reported offset %d, want %d", off, sc.corrupt.Offset, offs[1])
			}
			var ce *CorruptionError
			if !errors.As(error(sc.corrupt), &ce) || !errors.Is(ce, ErrCorrupt) {
				t.Fatal("not a CorruptionError")
			}
		}
	}
	// A bad CRC on the very last record of the last segment is a torn tail.
	c := append([]byte{}, b...)
	c[len(c)-1] ^= 1
	if sc := scanSegment("wal/x", 10, c, true); sc.torn == "" || len(sc.recs) != 3 {
		t.Fatalf("bad last record: %+v", sc)
	}
	if sc := scanSegment("wal/x", 10, c, false); sc.corrupt == nil {
		t.Fatal("bad last record of a non-last segment not reported")
	}
}

// FuzzScanSegment checks that scanning arbitrary bytes never panics and
// that whatever it accepts is a prefix of the input.
func FuzzScanSegment(f *testing.F) {
	b, _, _ := buildSegment(10, 3)
	f.Add(b, true)
	f.Add(b[:len(b)-3], false)
	f.Fuzz(func(t *testing.T, b []byte, last bool) {
		sc := scanSegment("wal/x", 10, b, last)
		if sc.end > int64(len(b)) {
			t.Fatalf("end %d past input %d", sc.end, len(b))
		}
		if sc.corrupt == nil && sc.torn == "" && sc.end != int64(len(b)) {
			t.Fatal("neither damaged nor complete")
		}
	})
}

func TestSnapshotRoundTrip(t *testing.T) {
	ds := sampleDeltas()
	for _, chunk := range []int{1, 40, 1 << 20} {
		pieces, err := encodeSnapshot(SnapshotInfo{Epoch: 4, TS: 99, NextVertexID: 5, NextEdgeID: -1}, func(emit func(graph.Delta) error) error {
			for _, d := range ds {
				if err := emit(d); err != nil {
					return err
				}
			}
			return nil
		}, chunk)
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Join(pieces, nil)
		info, got, err := decodeSnapshot("s", data)
		if err != nil {
			t.Fatal(err)
		}
		if info != (SnapshotInfo{Name: "s", Epoch: 4, TS: 99, NextVertexID: 5, NextEdgeID: -1}) {
			t.Fatalf("info %+v", info)
		}
		if d := cmp.Diff(ds, got, dcmp); d != "" {
			t.Fatal(d)
		}
		for cut := 0; cut < len(data); cut++ {
			if _, _, err := decodeSnapshot("s", data[:cut]); err == nil {
				t.Fatalf("chunk %d: snapshot cut at %d accepted", chunk, cut)
			}
		}
	}
}

// FuzzDecodeSnapshot checks that the snapshot decoder never panics and that
// what it accepts re-encodes to a snapshot with the same content.
func FuzzDecodeSnapshot(f *testing.F) {
	pieces, _ := encodeSnapshot(SnapshotInfo{Epoch: 1, TS: 2}, func(emit func(graph.Delta) error) error {
		return emit(sampleDeltas()[3])
	}, 10)
	f.Add(bytes.Join(pieces, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, all, err := decodeSnapshot("s", b)
		if err != nil {
			return
		}
		pieces, err := encodeSnapshot(info, func(emit func(graph.Delta) error) error {
			for _, d := range all {
				_ = emit(d)
			}
			return nil
		}, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		info2, all2, err := decodeSnapshot("s", bytes.Join(pieces, nil))
		if err != nil || info2 != info {
			t.Fatalf("re-encoded snapshot: %v %+v", err, info2)
		}
		if d := cmp.Diff(all, all2, dcmp); d != "" {
			t.Fatal(d)
		}
	})
}
