package bolt

import (
	"bufio"
	"fmt"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// TestMsgRingKeepsMessagesInUse: every message the ring handed out stays
// intact until more than inboundCap+1 messages came after it.
func TestMsgRingKeepsMessagesInUse(t *testing.T) {
	var r msgRing
	var held [][]byte
	for i := range 100 {
		held = append(held, r.hold([]byte(fmt.Sprintf("message %d", i))))
		for j := max(0, i-inboundCap-1); j <= i; j++ {
			if got, want := string(held[j]), fmt.Sprintf("message %d", j); got != want {
				t.Fatalf("after message %d, message %d reads %q", i, j, got)
			}
		}
	}
	big := make([]byte, keepMessage+1)
	r.hold(big)
	for _, b := range r.bufs {
		if cap(b) > keepMessage {
			t.Fatalf("the ring kept a buffer of %d bytes", cap(b))
		}
	}
}

// TestLongPipeline sends many more pipelined requests than the inbound
// channel and the ring of message buffers hold, in one write, each with
// its own query: every reply belongs to its own request.
func TestLongPipeline(t *testing.T) {
	addr := startToy(t, &toyBackend{})
	nc := dial(t, addr)
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	_, shape := handshakeFor(t, nc, "5.4")
	var batch []byte
	add := func(tag byte, fields ...value.Value) {
		e := Encoder{Shape: shape}
		if err := AppendRequest(&e, tag, fields...); err != nil {
			t.Fatal(err)
		}
		batch = AppendChunked(batch, e.Buf)
	}
	add(MsgHello, value.Map{"user_agent": "t"})
	add(MsgLogon, value.Map{"scheme": "none"})
	const queries = 200
	for i := range queries {
		add(MsgRun, fmt.Sprintf("rows %d", i%5+1), value.Map{}, value.Map{"bookmarks": value.List{fmt.Sprintf("bm:%d", i)}})
		add(MsgPull, value.Map{"n": int64(-1)})
	}
	go func() { _, _ = nc.Write(batch) }()
	r := NewChunkReader(bufio.NewReader(nc), 1<<20)
	next := func() string {
		msg, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		return formatReply(msg, shape)
	}
	next()
	next()
	for i := range queries {
		if got := next(); got != `S: SUCCESS {fields: ["n"], t_first: "<ms>"}` {
			t.Fatalf("query %d: RUN answered %s", i, got)
		}
		for j := range i%5 + 1 {
			if got, want := next(), fmt.Sprintf("S: RECORD [%d]", j+1); got != want {
				t.Fatalf("query %d: %s, want %s", i, got, want)
			}
		}
		if got := next(); got[:12] != "S: SUCCESS {" {
			t.Fatalf("query %d: PULL answered %s", i, got)
		}
	}
}
