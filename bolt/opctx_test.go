package bolt

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// TestOperationContextAfterReset: a connection's operations share one
// context until a RESET cancels it. After a RESET interrupted a query, the
// next query gets a live context again: a query that blocks until its
// context ends still blocks (no reply for a while), and only the next
// RESET ends it.
func TestOperationContextAfterReset(t *testing.T) {
	addr := startToy(t, &toyBackend{})
	nc := dial(t, addr)
	_, shape := handshakeFor(t, nc, "5.4")
	send := func(tag byte, fields ...value.Value) {
		t.Helper()
		e := Encoder{Shape: shape}
		if err := AppendRequest(&e, tag, fields...); err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write(AppendChunked(nil, e.Buf)); err != nil {
			t.Fatal(err)
		}
	}
	r := NewChunkReader(bufio.NewReader(nc), 1<<20)
	expect := func(want ...string) {
		t.Helper()
		for _, w := range want {
			msg, err := r.Read()
			if err != nil {
				t.Fatalf("waiting for %s: %v", w, err)
			}
			if got := formatReply(msg, shape); !strings.HasPrefix(got, "S: "+w) {
				t.Fatalf("got %s, want %s", got, w)
			}
		}
	}
	send(MsgHello, value.Map{"user_agent": "t"})
	send(MsgLogon, value.Map{"scheme": "none"})
	expect("SUCCESS", "SUCCESS")
	for range 2 {
		send(MsgRun, "rows 1", value.Map{}, value.Map{})
		send(MsgPull, value.Map{"n": int64(-1)})
		expect("SUCCESS", "RECORD", "SUCCESS")
		send(MsgRun, "block", value.Map{}, value.Map{})
		expect("SUCCESS")
		send(MsgPull, value.Map{"n": int64(-1)})
		_ = nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if msg, err := r.Read(); err == nil {
			t.Fatalf("a blocked PULL answered %s before any RESET", formatReply(msg, shape))
		}
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		r = NewChunkReader(bufio.NewReader(nc), 1<<20) // the timed-out read left nothing behind
		send(MsgReset)
		expect("IGNORED", "SUCCESS")
	}
}
