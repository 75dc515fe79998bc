package bolt

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/quiverdb/quiver/core/value"
)

// requestMeaning is what the handlers take from a decoded request: its
// tag, query and parameters, RUN's transaction fields and PULL's counts
// (or the errors reading them give), or the decoding error.
func requestMeaning(r *Request, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	out := fmt.Sprintf("%s query=%q params=%v", r.Name(), r.Query, value.Map(r.Params))
	switch r.Tag {
	case MsgRun:
		m, err := r.txMeta()
		out += fmt.Sprintf(" meta=%+v err=%v", m, err)
	case MsgPull, MsgDiscard:
		n, qid, err := r.pullCounts()
		out += fmt.Sprintf(" n=%d qid=%d err=%v", n, qid, err)
	}
	return out
}

// fastDecodeCases are RUN, PULL and DISCARD messages of every shape the
// fast path takes or turns down: each must mean what DecodeRequest makes
// of it.
var fastDecodeCases = []string{
	`RUN "RETURN 1" {} {}`,
	`RUN "MATCH (n:User {id: $id}) RETURN n" {"id": 1000} {"bookmarks": ["quiver:12"]}`,
	`RUN "q" null null`,
	`RUN "q" {"a": [1, {"b": null}]} {"bookmarks": ["a", "b"], "mode": "r", "db": "memgraph", "imp_user": "u", "tx_timeout": 1500, "tx_metadata": {"k": "v"}}`,
	`RUN "q" {} {"bookmarks": []}`,
	`RUN "q" {} {"bookmarks": [1]}`,
	`RUN "q" {} {"bookmarks": null}`,
	`RUN "q" {} {"bookmarks": "quiver:1"}`,
	`RUN "q" {} {"tx_timeout": -1}`,
	`RUN "q" {} {"tx_timeout": 2.0}`,
	`RUN "q" {} {"tx_timeout": 2.5}`,
	`RUN "q" {} {"tx_timeout": "5"}`,
	`RUN "q" {} {"mode": 1, "db": null}`,
	`RUN "q" {} {"tx_metadata": [1]}`,
	`RUN "q" {} {"notifications_minimum_severity": "OFF", "mode": "w"}`,
	`RUN 5 {} {}`,
	`RUN "q" [] {}`,
	`RUN "q" {} []`,
	`PULL {"n": 1000}`,
	`PULL {"n": -1, "qid": 3}`,
	`PULL {"n": 300000, "qid": -1}`,
	`PULL {}`,
	`PULL {"n": 0}`,
	`PULL {"n": 2.0}`,
	`PULL {"n": "x"}`,
	`PULL {"n": 5, "other": 1}`,
	`PULL null`,
	`DISCARD {"n": -1}`,
	`DISCARD {"qid": 7}`,
}

func TestFastDecodeMeansWhatDecodeRequestDoes(t *testing.T) {
	var rd requestDecoder
	for _, line := range fastDecodeCases {
		_, tag, fields := parseClientLine(t, line)
		e := Encoder{}
		if err := AppendRequest(&e, tag, fields...); err != nil {
			t.Fatal(err)
		}
		checkFastDecode(t, &rd, e.Buf)
		checkFastDecode(t, &rd, e.Buf) // again: the query and bookmarks now repeat
		for cut := 1; cut < len(e.Buf); cut++ {
			checkFastDecode(t, &rd, e.Buf[:cut]) // truncated
		}
		checkFastDecode(t, &rd, append(e.Buf[:len(e.Buf):len(e.Buf)], 0xC0)) // a stray byte
	}
}

// TestFastDecodeDuplicateKeys: a map that repeats a key keeps its last
// value, on either path, whether the first was valid or not.
func TestFastDecodeDuplicateKeys(t *testing.T) {
	var rd requestDecoder
	run := func(entries ...value.Value) []byte {
		e := Encoder{}
		e.StructHeader(MsgRun, 3)
		e.String("q")
		e.MapHeader(0)
		e.MapHeader(len(entries) / 2)
		for _, v := range entries {
			_ = e.Value(v)
		}
		return e.Buf
	}
	pull := func(entries ...value.Value) []byte {
		e := Encoder{}
		e.StructHeader(MsgPull, 1)
		e.MapHeader(len(entries) / 2)
		for _, v := range entries {
			_ = e.Value(v)
		}
		return e.Buf
	}
	for _, b := range [][]byte{
		run("mode", "r", "mode", "w"),
		run("bookmarks", value.List{int64(1)}, "bookmarks", value.List{"x"}),
		run("bookmarks", value.List{"x"}, "bookmarks", value.List{int64(1)}),
		run("tx_timeout", int64(-5), "tx_timeout", int64(5)),
		run("tx_timeout", int64(5), "tx_timeout", nil),
		pull("n", int64(5), "n", int64(-1)),
		pull("n", "x", "n", int64(3)),
		pull("qid", int64(1), "qid", 2.0),
	} {
		checkFastDecode(t, &rd, b)
	}
}

// TestFastDecodeTakesTheUsualShapes checks that a driver's RUN and PULL
// take the fast path (not the general decoder).
func TestFastDecodeTakesTheUsualShapes(t *testing.T) {
	var rd requestDecoder
	for _, line := range []string{
		`RUN "MATCH (n:User {id: $id}) RETURN n" {"id": 1000} {"bookmarks": ["quiver:12"]}`,
		`PULL {"n": 1000}`,
		`DISCARD {"n": -1, "qid": 2}`,
	} {
		_, tag, fields := parseClientLine(t, line)
		e := Encoder{}
		_ = AppendRequest(&e, tag, fields...)
		r, err := rd.decode(e.Buf, Version{5, 4}, Shape{})
		if err != nil || r != &rd.req || r.Extra != nil {
			t.Errorf("%s: not decoded by the fast path (err %v)", line, err)
		}
	}
}

func checkFastDecode(t *testing.T, rd *requestDecoder, b []byte) {
	t.Helper()
	v := Version{5, 4}
	want := requestMeaning(DecodeRequest(b, v, Shape{}))
	got := requestMeaning(rd.decode(b, v, Shape{}))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%x: fast decode differs (-general +fast):\n%s", b, diff)
	}
}

// FuzzFastDecode checks that requestDecoder means what DecodeRequest
// means for any input, twice in a row (the second time the query and
// bookmarks repeat).
func FuzzFastDecode(f *testing.F) {
	for _, line := range fastDecodeCases {
		_, tag, fields := parseClientLine(&testing.T{}, line)
		e := Encoder{}
		_ = AppendRequest(&e, tag, fields...)
		f.Add(e.Buf)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var rd requestDecoder
		checkFastDecode(t, &rd, b)
		checkFastDecode(t, &rd, b)
	})
}
