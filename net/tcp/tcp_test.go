package tcp

import (
	"errors"
	"fmt"
	"io"
	stdnet "net"
	"runtime"
	"sync"
	"testing"
	"time"

	qnet "github.com/quiverdb/quiver/net"
)

// wait is how long a test waits for something that should happen at once;
// it is a deadline against hangs, not a measurement.
const wait = 10 * time.Second

// fast makes reconnection quick in tests.
var fast = Config{BackoffMin: 2 * time.Millisecond, BackoffMax: 20 * time.Millisecond, QueueLen: 16384}

type received struct {
	from string
	msg  qnet.Message
}

// inbox collects delivered messages.
type inbox struct {
	mu   sync.Mutex
	cond *sync.Cond
	got  []received
}

func newInbox() *inbox {
	b := &inbox{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *inbox) deliver(from string, msg qnet.Message) {
	b.mu.Lock()
	b.got = append(b.got, received{from, msg})
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *inbox) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.got)
}

// waitFor blocks until at least n messages arrived and returns them.
func (b *inbox) waitFor(t *testing.T, n int) []received {
	t.Helper()
	timer := time.AfterFunc(wait, b.cond.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(wait)
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d messages, want %d", len(b.got), n)
		}
		b.cond.Wait()
	}
	return append([]received(nil), b.got...)
}

func listen(t *testing.T, addr string, b *inbox, cfg Config) *Transport {
	t.Helper()
	tr, err := ListenConfig(addr, b.deliver, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func seqMsg(seq uint64, pad int) qnet.Message {
	w := qnet.NewWriter(make([]byte, 0, 10+pad))
	w.Uvarint(seq)
	w.Bytes(make([]byte, pad))
	return qnet.Message{Type: 42, Body: w.Data()}
}

func seqOf(t *testing.T, m qnet.Message) uint64 {
	t.Helper()
	r := qnet.NewReader(m.Body)
	seq := r.Uvarint()
	r.Bytes()
	if err := r.Done(); err != nil || m.Type != 42 {
		t.Fatalf("bad message type %d: %v", m.Type, err)
	}
	return seq
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestExchange has two endpoints send each other many messages at once and
// checks that all arrive, in order, from the right sender, and are counted.
func TestExchange(t *testing.T) {
	const n = 5000
	ia, ib := newInbox(), newInbox()
	a := listen(t, "127.0.0.1:0", ia, fast)
	b := listen(t, "127.0.0.1:0", ib, fast)
	var wg sync.WaitGroup
	for _, pair := range [][2]*Transport{{a, b}, {b, a}} {
		wg.Add(1)
		go func(from, to *Transport) {
			defer wg.Done()
			for i := range n {
				from.Send(to.Addr(), seqMsg(uint64(i), i%100))
			}
		}(pair[0], pair[1])
	}
	wg.Wait()
	for _, c := range []struct {
		box    *inbox
		sender *Transport
	}{{ib, a}, {ia, b}} {
		got := c.box.waitFor(t, n)
		for i, r := range got {
			if r.from != c.sender.Addr() {
				t.Fatalf("message %d from %q, want %q", i, r.from, c.sender.Addr())
			}
			if seq := seqOf(t, r.msg); seq != uint64(i) {
				t.Fatalf("message %d has seq %d: out of order", i, seq)
			}
		}
	}
	for _, tr := range []*Transport{a, b} {
		s := tr.Stats()
		if s.Sent != n || s.Received != n || s.Dropped != 0 || s.Dials != 1 || s.DecodeErrors != 0 {
			t.Fatalf("%s stats %+v, want %d sent and received, 1 dial, nothing dropped", tr.Addr(), s, n)
		}
	}
}

// TestReconnectAfterPeerRestart stops the receiver, checks that messages
// sent meanwhile are dropped and counted, restarts it on the same address
// and checks that the sender reconnects by itself.
func TestReconnectAfterPeerRestart(t *testing.T) {
	ia, ib := newInbox(), newInbox()
	a := listen(t, "127.0.0.1:0", ia, fast)
	b := listen(t, "127.0.0.1:0", ib, fast)
	addr := b.Addr()
	a.Send(addr, seqMsg(0, 0))
	ib.waitFor(t, 1)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "drops while the peer is down", func() bool {
		a.Send(addr, seqMsg(1, 0))
		return a.Stats().DialErrors > 0 && a.Stats().Dropped > 0
	})
	ib2 := newInbox()
	var b2 *Transport
	eventually(t, "relisten on "+addr, func() bool {
		var err error
		b2, err = ListenConfig(addr, ib2.deliver, fast)
		return err == nil
	})
	defer b2.Close()
	eventually(t, "delivery after restart", func() bool {
		a.Send(addr, seqMsg(2, 0))
		return ib2.len() > 0
	})
	// Messages queued during a backoff wait may arrive too (seq 1).
	got := ib2.waitFor(t, 1)
	if got[0].from != a.Addr() || seqOf(t, got[0].msg) == 0 {
		t.Fatalf("after restart got %+v", got[0])
	}
	if s := a.Stats(); s.Dials < 2 {
		t.Fatalf("stats %+v: want a second dial", s)
	}
}

// TestQueueOverflow sends large messages to a peer that accepts but never
// reads: the socket buffers and the queue fill, Send keeps returning, the
// excess is dropped and counted, and a healthy peer is not held up.
func TestQueueOverflow(t *testing.T) {
	stalled, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	held := make(chan stdnet.Conn, 4)
	go func() {
		for {
			c, err := stalled.Accept()
			if err != nil {
				close(held)
				return
			}
			held <- c
		}
	}()
	defer func() {
		stalled.Close()
		for c := range held {
			c.Close()
		}
	}()
	ic := newInbox()
	c := listen(t, "127.0.0.1:0", ic, fast)
	cfg := fast
	cfg.QueueLen = 4
	a := listen(t, "127.0.0.1:0", newInbox(), cfg)
	const n, size = 200, 256 << 10
	big := qnet.Message{Type: 1, Body: make([]byte, size)}
	for range n {
		a.Send(stalled.Addr().String(), big)
	}
	a.Send(c.Addr(), seqMsg(7, 0))
	if got := ic.waitFor(t, 1); seqOf(t, got[0].msg) != 7 {
		t.Fatalf("healthy peer got %+v", got[0])
	}
	if s := a.Stats(); s.Dropped < n/2 {
		t.Fatalf("stats %+v: want at least %d of %d dropped", s, n/2, n)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s.Sent+s.Dropped != n+1 {
		t.Fatalf("stats %+v: sent+dropped = %d, want every message accounted for (%d)", s, s.Sent+s.Dropped, n+1)
	}
}

// TestGarbageClosesOnlyThatConnection writes garbage to an endpoint on two
// raw connections and checks that each is closed and counted while a proper
// peer's connection keeps working.
func TestGarbageClosesOnlyThatConnection(t *testing.T) {
	ia, ib := newInbox(), newInbox()
	var mu sync.Mutex
	var reported []error
	cfg := fast
	cfg.OnStreamError = func(remote string, err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}
	a := listen(t, "127.0.0.1:0", ia, fast)
	b := listen(t, "127.0.0.1:0", ib, cfg)
	a.Send(b.Addr(), seqMsg(0, 0))
	ib.waitFor(t, 1)

	badCRC := qnet.AppendHello(nil, "liar:1")
	badCRC = qnet.AppendFrame(badCRC, seqMsg(100, 0))
	badCRC = qnet.AppendFrame(badCRC, seqMsg(101, 0))
	badCRC[len(badCRC)-1] ^= 0xff
	for i, garbage := range [][]byte{[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), badCRC} {
		raw, err := stdnet.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Write(garbage); err != nil {
			t.Fatal(err)
		}
		raw.SetReadDeadline(time.Now().Add(wait))
		if _, err := raw.Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, stdnet.ErrClosed) && !isReset(err) {
			t.Fatalf("garbage %d: read got %v, want the connection closed", i, err)
		}
		raw.Close()
		if s := b.Stats(); s.DecodeErrors != uint64(i+1) {
			t.Fatalf("garbage %d: stats %+v", i, s)
		}
	}
	got := ib.waitFor(t, 2)
	if got[1].from != "liar:1" || seqOf(t, got[1].msg) != 100 {
		t.Fatalf("frame before the bad one: got %+v", got[1])
	}
	mu.Lock()
	if len(reported) != 2 || !errors.Is(reported[0], qnet.ErrBadMagic) || !errors.Is(reported[1], qnet.ErrChecksum) {
		t.Fatalf("reported errors %v", reported)
	}
	mu.Unlock()
	a.Send(b.Addr(), seqMsg(1, 0))
	got = ib.waitFor(t, 3)
	if got[2].from != a.Addr() || seqOf(t, got[2].msg) != 1 {
		t.Fatalf("after garbage got %+v", got[2])
	}
	if s := a.Stats(); s.Dials != 1 || s.Dropped != 0 {
		t.Fatalf("good peer stats %+v: its connection should be untouched", s)
	}
}

func isReset(err error) bool {
	var op *stdnet.OpError
	return errors.As(err, &op)
}

// TestLimitsAndClose checks the body limit on both sides, sends to an
// unreachable address, and Send and Close after Close.
func TestLimitsAndClose(t *testing.T) {
	ib := newInbox()
	small := fast
	small.MaxBody = 64
	b := listen(t, "127.0.0.1:0", ib, small)
	a := listen(t, "127.0.0.1:0", newInbox(), fast)
	b.Send(a.Addr(), qnet.Message{Body: make([]byte, 65)})
	if s := b.Stats(); s.Dropped != 1 || s.Dials != 0 {
		t.Fatalf("oversized send: stats %+v", s)
	}
	a.Send(b.Addr(), qnet.Message{Body: make([]byte, 65)})
	eventually(t, "receiver rejects oversized frame", func() bool { return b.Stats().DecodeErrors == 1 })
	if ib.len() != 0 {
		t.Fatal("oversized frame was delivered")
	}

	dead, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	a.Send(deadAddr, seqMsg(0, 0))
	eventually(t, "dial error", func() bool { return a.Stats().DialErrors > 0 })

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	before := a.Stats().Dropped
	a.Send(b.Addr(), seqMsg(1, 0))
	if got := a.Stats().Dropped; got != before+1 {
		t.Fatalf("send after close: dropped %d, want %d", got, before+1)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestAdvertise(t *testing.T) {
	tests := []struct{ configured, listen, bound, want string }{
		{"", "127.0.0.1:7000", "127.0.0.1:7000", "127.0.0.1:7000"},
		{"", "127.0.0.1:0", "127.0.0.1:5555", "127.0.0.1:5555"},
		{"", ":7000", "[::]:7000", "[::]:7000"},
		{"db1:7000", ":7000", "[::]:7000", "db1:7000"},
	}
	for _, tc := range tests {
		got, err := advertise(tc.configured, tc.listen, tc.bound)
		if err != nil || got != tc.want {
			t.Errorf("advertise(%q, %q, %q) = %q, %v; want %q", tc.configured, tc.listen, tc.bound, got, err, tc.want)
		}
	}
	if _, err := advertise(fmt.Sprintf("%01100d", 0), "", ""); err == nil {
		t.Error("overlong advertised address accepted")
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 10*time.Millisecond, 70*time.Millisecond
	var got []time.Duration
	d := time.Duration(0)
	for range 5 {
		d = nextBackoff(d, lo, hi)
		got = append(got, d)
	}
	want := []time.Duration{10, 20, 40, 70, 70}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("backoff sequence %v, want %v ms", got, want)
		}
	}
	for range 100 {
		if j := jitter(hi); j < hi/2 || j > hi {
			t.Fatalf("jitter(%v) = %v, outside [%v, %v]", hi, j, hi/2, hi)
		}
	}
}

// TestConcurrentSendAndClose sends from several goroutines to several peers
// while the sender closes, and checks that every message is counted exactly
// once, as sent or dropped, and that Close leaves no goroutine behind.
func TestConcurrentSendAndClose(t *testing.T) {
	baseline := runtime.NumGoroutine()
	var peers []*Transport
	for range 3 {
		tr, err := ListenConfig("127.0.0.1:0", func(string, qnet.Message) {}, fast)
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, tr)
	}
	cfg := fast
	cfg.QueueLen = 64
	a, err := ListenConfig("127.0.0.1:0", func(string, qnet.Message) {}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const senders, each = 4, 2000
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				a.Send(peers[(s+i)%len(peers)].Addr(), seqMsg(uint64(i), 8))
				if s == 0 && i == each/2 {
					a.Close()
				}
			}
		}()
	}
	wg.Wait()
	if s := a.Stats(); s.Sent+s.Dropped != senders*each || s.Dropped == 0 {
		t.Fatalf("stats %+v: sent+dropped = %d, want %d with some dropped after Close", s, s.Sent+s.Dropped, senders*each)
	}
	var received uint64
	for _, p := range peers {
		p.Close()
		received += p.Stats().Received
	}
	if sent := a.Stats().Sent; received > sent {
		t.Fatalf("peers received %d messages but only %d were sent", received, sent)
	}
	eventually(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= baseline })
}

// TestAdvertiseLocalIP: an endpoint listening on every interface with
// AdvertiseLocalIP announces, to a peer it reaches over loopback, the
// loopback IP with its own port, and the peer's answer sent to that
// address arrives.
func TestAdvertiseLocalIP(t *testing.T) {
	ia, ib := newInbox(), newInbox()
	cfg := fast
	cfg.AdvertiseLocalIP = true
	a := listen(t, ":0", ia, cfg)
	b := listen(t, "127.0.0.1:0", ib, fast)
	_, port, err := stdnet.SplitHostPort(a.Addr())
	if err != nil {
		t.Fatal(err)
	}
	a.Send(b.Addr(), seqMsg(1, 0))
	got := ib.waitFor(t, 1)
	if want := "127.0.0.1:" + port; got[0].from != want {
		t.Fatalf("a announced %q to a loopback peer, want %q", got[0].from, want)
	}
	b.Send(got[0].from, seqMsg(2, 0))
	if back := ia.waitFor(t, 1); seqOf(t, back[0].msg) != 2 || back[0].from != b.Addr() {
		t.Fatalf("the answer to the announced address: %+v", back[0])
	}
}
