package bolt

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

// paramsClient drives one toy connection for the parameter reuse tests.
type paramsClient struct {
	t     *testing.T
	nc    net.Conn
	shape Shape
	r     *ChunkReader
}

func newParamsClient(t *testing.T) *paramsClient {
	return newToyClient(t, &toyBackend{})
}

func newToyClient(t *testing.T, b *toyBackend) *paramsClient {
	addr := startToy(t, b)
	nc := dial(t, addr)
	_, shape := handshakeFor(t, nc, "5.4")
	c := &paramsClient{t: t, nc: nc, shape: shape, r: NewChunkReader(bufio.NewReader(nc), 1<<20)}
	c.send(MsgHello, value.Map{"user_agent": "t"})
	c.send(MsgLogon, value.Map{"scheme": "none"})
	c.expect("SUCCESS", "SUCCESS")
	return c
}

func (c *paramsClient) send(tag byte, fields ...value.Value) {
	c.t.Helper()
	e := Encoder{Shape: c.shape}
	if err := AppendRequest(&e, tag, fields...); err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.nc.Write(AppendChunked(nil, e.Buf)); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads one reply per prefix and returns them formatted.
func (c *paramsClient) expect(want ...string) []string {
	c.t.Helper()
	var got []string
	for _, w := range want {
		msg, err := c.r.Read()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", w, err)
		}
		s := formatReply(msg, c.shape)
		if !strings.HasPrefix(s, "S: "+w) {
			c.t.Fatalf("got %s, want %s", s, w)
		}
		got = append(got, s)
	}
	return got
}

// TestReusedParamsDoNotLeakIntoLaterRuns: auto-commit RUNs on one
// connection share the decoder's parameter map, so each must see exactly
// its own parameters, none left from the previous RUN.
func TestReusedParamsDoNotLeakIntoLaterRuns(t *testing.T) {
	c := newParamsClient(t)
	for _, p := range []value.Map{{"a": int64(1), "b": "x"}, {"c": int64(2)}, {}} {
		c.send(MsgRun, "lazyecho", p, value.Map{})
		c.send(MsgPull, value.Map{"n": int64(-1)})
		rec := c.expect("SUCCESS", "RECORD", "SUCCESS")[1]
		if want := formatValue(value.List{lazyEcho(p)}); !strings.Contains(rec, want) {
			t.Fatalf("params %v: got %s, want %s", p, rec, want)
		}
	}
}

// TestOpenResultKeepsItsParams: in an explicit transaction a result stays
// open across later RUNs, so those must not overwrite the parameters the
// open result still reads.
func TestOpenResultKeepsItsParams(t *testing.T) {
	c := newParamsClient(t)
	c.send(MsgBegin, value.Map{})
	c.send(MsgRun, "lazyecho", value.Map{"a": int64(1)}, value.Map{})
	c.send(MsgRun, "lazyecho", value.Map{"b": int64(2)}, value.Map{})
	c.send(MsgPull, value.Map{"n": int64(-1), "qid": int64(0)})
	c.send(MsgPull, value.Map{"n": int64(-1), "qid": int64(1)})
	got := c.expect("SUCCESS", "SUCCESS", "SUCCESS", "RECORD", "SUCCESS", "RECORD", "SUCCESS")
	if !strings.Contains(got[3], `"a=1"`) || strings.Contains(got[3], "b=") {
		t.Fatalf("first result read %s, want only a=1", got[3])
	}
	if !strings.Contains(got[5], `"b=2"`) || strings.Contains(got[5], "a=") {
		t.Fatalf("second result read %s, want only b=2", got[5])
	}
}

// TestDecoderReusesParamsOnlyWhenAllowed: with reuseParams the decoder
// fills one map for every RUN and allocates none; without it each RUN
// gets its own map, which the next RUN leaves alone.
func TestDecoderReusesParamsOnlyWhenAllowed(t *testing.T) {
	run := func(p value.Map) []byte {
		var e Encoder
		if err := AppendRequest(&e, MsgRun, "MATCH (n:User {id: $id}) RETURN n", p, value.Map{}); err != nil {
			t.Fatal(err)
		}
		return e.Buf
	}
	first, second := run(value.Map{"id": int64(7), "x": int64(1)}), run(value.Map{"id": int64(8)})
	var rd requestDecoder
	req, err := rd.decode(first, Version{5, 4}, Shape{})
	if err != nil {
		t.Fatal(err)
	}
	kept := req.Params
	if _, err := rd.decode(second, Version{5, 4}, Shape{}); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept["id"] != int64(7) {
		t.Fatalf("without reuse the first RUN's params became %v", kept)
	}
	rd.reuseParams = true
	a, _ := rd.decode(first, Version{5, 4}, Shape{})
	reused := a.Params
	b, _ := rd.decode(second, Version{5, 4}, Shape{})
	if len(b.Params) != 1 || b.Params["id"] != int64(8) {
		t.Fatalf("second RUN decoded %v, want only id=8", b.Params)
	}
	if len(reused) != 1 {
		t.Fatalf("the reused map was not the one decoded into: %v", reused)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = rd.decode(second, Version{5, 4}, Shape{}) }); n != 0 {
		t.Fatalf("a reused RUN decode allocates %v times, want 0", n)
	}
}

// TestResultsReleasedOnceWhenDone: the connection releases a result once,
// when it is finished or abandoned, and not while it is still open.
func TestResultsReleasedOnceWhenDone(t *testing.T) {
	b := &toyBackend{}
	c := newToyClient(t, b)
	released := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.released
	}
	c.send(MsgRun, "rows 1", value.Map{}, value.Map{})
	c.expect("SUCCESS")
	if n := released(); n != 0 {
		t.Fatalf("%d results released while one is open, want 0", n)
	}
	c.send(MsgPull, value.Map{"n": int64(-1)})
	c.expect("RECORD", "SUCCESS")
	if n := released(); n != 1 {
		t.Fatalf("%d results released after the summary, want 1", n)
	}
	c.send(MsgRun, "rows 3", value.Map{}, value.Map{})
	c.send(MsgPull, value.Map{"n": int64(1)})
	c.expect("SUCCESS", "RECORD", "SUCCESS")
	c.send(MsgReset)
	c.expect("SUCCESS")
	if n := released(); n != 2 {
		t.Fatalf("%d results released after a RESET abandoned one, want 2", n)
	}
	c.send(MsgBegin, value.Map{})
	c.send(MsgRun, "rows 1", value.Map{}, value.Map{})
	c.send(MsgRun, "rows 1", value.Map{}, value.Map{})
	c.send(MsgPull, value.Map{"n": int64(-1), "qid": int64(1)})
	c.expect("SUCCESS", "SUCCESS", "SUCCESS", "RECORD", "SUCCESS")
	if n := released(); n != 3 {
		t.Fatalf("%d results released with one of two transaction results finished, want 3", n)
	}
}
