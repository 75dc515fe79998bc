package bolt

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

var shapes = map[string]Shape{"5.x": {}, "4.4": {V4: true, LegacyDateTime: true}, "4.4utc": {V4: true}}

// TestRoundTrip encodes and decodes every value type in every shape.
func TestRoundTrip(t *testing.T) {
	vals := append(sampleValues(), nil, true, false, int64(0), int64(-16), int64(-17), int64(127),
		int64(128), int64(-129), int64(math.MaxInt16+1), int64(math.MinInt32-1), int64(math.MaxInt64),
		int64(math.MinInt64), math.Inf(-1), "", strings.Repeat("x", 15), strings.Repeat("é", 200),
		strings.Repeat("y", 70000), []byte{}, bytes.Repeat([]byte{7}, 300), value.List{},
		value.Map{"a": value.Map{"b": value.List{value.Map{}}}},
		value.DateTime{Sec: 1.6e9, Nsec: 999999999, OffsetSec: -14400, Zone: "America/New_York"},
		value.Path{Nodes: []value.Node{{ID: 5, Labels: []string{}, Props: value.Map{}}}})
	for name, s := range shapes {
		for _, v := range vals {
			e := Encoder{Shape: s}
			if err := e.Value(v); err != nil {
				t.Fatalf("%s: encode %#v: %v", name, v, err)
			}
			d := NewDecoder(e.Buf, s)
			got, err := d.Value()
			if err != nil || !d.Done() {
				t.Fatalf("%s: decode %#v: %v (done %v)", name, v, err, d.Done())
			}
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("%s: round trip of %T: %s", name, v, diff)
			}
		}
	}
}

// TestPathDirections checks the walk indices of a path that revisits a node
// and traverses relationships both ways.
func TestPathDirections(t *testing.T) {
	n := func(id int64) value.Node { return value.Node{ID: id, Labels: []string{}, Props: value.Map{}} }
	r := func(id, s, e int64) value.Relationship {
		return value.Relationship{ID: id, StartID: s, EndID: e, Type: "T", Props: value.Map{}}
	}
	p := value.Path{Nodes: []value.Node{n(1), n(2), n(1), n(3)},
		Rels: []value.Relationship{r(10, 1, 2), r(10, 1, 2), r(11, 3, 1)}}
	e := Encoder{}
	if err := e.Value(p); err != nil {
		t.Fatal(err)
	}
	got, err := NewDecoder(e.Buf, Shape{}).Value()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(value.Value(p), got); diff != "" {
		t.Error(diff)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\xd4\xff", "truncated"},
		{"\xb1\x44\x81x", "Date field 0 is String"},
		{"\xb3\x69\x01\x02\x83Foo", "known time zone"},
		{"\xb3\x49\x01\xca\x7f\xff\xff\xff\x01", "nanoseconds"},
		{"\xb0\x01", "unknown structure tag"},
		{"\xc7", "unknown marker"},
		{strings.Repeat("\x91", 100) + "\x01", "nesting"},
	} {
		_, err := NewDecoder([]byte(c.in), Shape{}).Value()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("% x: got %v, want an error with %q", c.in, err, c.want)
		}
	}
}

func TestChunking(t *testing.T) {
	msg := bytes.Repeat([]byte{1, 2, 3}, 50000) // 150000 bytes: three chunks
	var buf bytes.Buffer
	buf.Write([]byte{0, 0}) // NOOP
	if err := WriteMessage(&buf, msg); err != nil {
		t.Fatal(err)
	}
	buf.Write([]byte{0, 0, 0, 0})
	if err := WriteMessage(&buf, []byte{9}); err != nil {
		t.Fatal(err)
	}
	r := NewChunkReader(&buf, 1<<20)
	for _, want := range [][]byte{msg, {9}} {
		got, err := r.Read()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(want))
		}
	}
	if _, err := NewChunkReader(bytes.NewReader(AppendChunked(nil, msg)), 1000).Read(); err == nil {
		t.Error("oversized message accepted")
	}
}

func FuzzChunkReader(f *testing.F) {
	f.Add([]byte{0, 2, 0xb0, 0x0f, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewChunkReader(bytes.NewReader(b), 4096)
		for {
			msg, err := r.Read()
			if err != nil {
				return
			}
			if len(msg) == 0 || len(msg) > 4096 {
				t.Fatalf("message of %d bytes", len(msg))
			}
		}
	})
}

func FuzzPackStream(f *testing.F) {
	for _, v := range sampleValues() {
		for _, s := range shapes {
			e := Encoder{Shape: s}
			_ = e.Value(v)
			f.Add(e.Buf, s.V4, s.LegacyDateTime)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, v4, legacy bool) {
		s := Shape{V4: v4, LegacyDateTime: legacy}
		v, err := NewDecoder(b, s).Value()
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same value.
		e := Encoder{Shape: s}
		if err := e.Value(v); err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		v2, err := NewDecoder(e.Buf, s).Value()
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		// The canonical encoding is stable (compared as bytes: NaN-safe and
		// linear in the input, unlike a structural diff).
		e2 := Encoder{Shape: s}
		if err := e2.Value(v2); err != nil || !bytes.Equal(e.Buf, e2.Buf) {
			t.Fatalf("unstable encoding (%v):\n% x\n% x", err, e.Buf, e2.Buf)
		}
	})
}

func FuzzRequest(f *testing.F) {
	for _, line := range []string{`HELLO {"user_agent": "x"}`, `RUN "q" {"a": [1]} {"mode": "r"}`,
		`PULL {"n": 5, "qid": 1}`, `ROUTE {} [] {"db": "x"}`, `BEGIN {"tx_timeout": 5}`, `TELEMETRY 2`} {
		_, tag, fields := parseClientLine(&testing.T{}, line)
		e := Encoder{}
		_ = AppendRequest(&e, tag, fields...)
		f.Add(e.Buf, byte(5), byte(4))
	}
	f.Fuzz(func(t *testing.T, b []byte, major, minor byte) {
		v := Version{Major: 4 + major%2, Minor: minor % 5}
		req, err := DecodeRequest(b, v, v.Shape(false))
		if err == nil && req.Name() == "" {
			t.Fatal("decoded a request without a name")
		}
		if err == nil {
			_, _ = txMeta(req.Extra)
		}
	})
}
