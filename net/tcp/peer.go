package tcp

import (
	"math/rand/v2"
	stdnet "net"
	"sync"
	"time"

	qnet "github.com/quiverdb/quiver/net"
)

// peer is the outbound side of one destination address: its send queue and
// the writer goroutine that owns its connection.
type peer struct {
	t     *Transport
	addr  string
	queue chan qnet.Message

	mu   sync.Mutex // guards conn and shut, so Close can interrupt a write
	conn stdnet.Conn
	shut bool
}

func newPeer(t *Transport, addr string) *peer {
	return &peer{t: t, addr: addr, queue: make(chan qnet.Message, t.cfg.QueueLen)}
}

// link is one established outbound connection and a channel closed once
// its watcher saw the remote end close it.
type link struct {
	conn  stdnet.Conn
	dead  chan struct{}
	hello bool   // the hello has been written
	self  string // the address announced in the hello
}

// run is the peer's writer: it takes queued messages, connects when it has
// something to send and no live connection, and writes batches of frames.
func (p *peer) run() {
	t := p.t
	defer t.wg.Done()
	defer p.dropQueued()
	var (
		l       *link
		backoff time.Duration
		buf     []byte
	)
	for {
		var msg qnet.Message
		select {
		case <-t.ctx.Done():
			p.closeLink(l)
			return
		case msg = <-p.queue:
		}
		if l != nil && isClosed(l.dead) {
			p.closeLink(l)
			l = nil
		}
		if l == nil {
			l = p.connect()
			if l == nil {
				t.dropped.Add(1 + p.drain())
				backoff = nextBackoff(backoff, t.cfg.BackoffMin, t.cfg.BackoffMax)
				if !sleep(t, jitter(backoff)) {
					return
				}
				continue
			}
		}
		var n uint64
		buf, n = p.batch(buf[:0], l, msg)
		if err := p.write(l, buf); err != nil {
			t.dropped.Add(n)
			p.closeLink(l)
			l = nil
			continue
		}
		l.hello = true
		t.sent.Add(n)
		backoff = 0
		if cap(buf) > 4*t.cfg.BatchBytes {
			buf = nil // do not keep a huge message's buffer
		}
	}
}

// batch encodes the hello if the link still needs one, then first and
// whatever else is queued, up to BatchBytes. It returns the number of
// messages encoded.
func (p *peer) batch(buf []byte, l *link, first qnet.Message) ([]byte, uint64) {
	if !l.hello {
		buf = qnet.AppendHello(buf, l.self)
	}
	buf = qnet.AppendFrame(buf, first)
	n := uint64(1)
	for len(buf) < p.t.cfg.BatchBytes {
		select {
		case m := <-p.queue:
			buf = qnet.AppendFrame(buf, m)
			n++
		default:
			return buf, n
		}
	}
	return buf, n
}

func (p *peer) write(l *link, buf []byte) error {
	if err := l.conn.SetWriteDeadline(time.Now().Add(p.t.cfg.WriteTimeout)); err != nil {
		return err
	}
	_, err := l.conn.Write(buf)
	return err
}

// connect dials the peer once; nil on failure or after Close.
func (p *peer) connect() *link {
	t := p.t
	d := stdnet.Dialer{Timeout: t.cfg.DialTimeout}
	c, err := d.DialContext(t.ctx, "tcp", p.addr)
	if err != nil {
		t.dialErrors.Add(1)
		return nil
	}
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		c.Close()
		return nil
	}
	p.conn = c
	p.mu.Unlock()
	t.dials.Add(1)
	l := &link{conn: c, dead: make(chan struct{}), self: t.announce(c)}
	t.wg.Add(1)
	go watch(t, l)
	return l
}

// watch reads the outbound connection, on which the remote never writes,
// so that a remote close (a restarted peer) is noticed before the next
// write rather than after it was lost in the socket buffer.
func watch(t *Transport, l *link) {
	defer t.wg.Done()
	var b [256]byte
	for {
		if _, err := l.conn.Read(b[:]); err != nil {
			close(l.dead)
			l.conn.Close()
			return
		}
	}
}

func (p *peer) closeLink(l *link) {
	if l == nil {
		return
	}
	p.mu.Lock()
	if p.conn == l.conn {
		p.conn = nil
	}
	p.mu.Unlock()
	l.conn.Close()
}

// shutdown is called by Close: it closes the current connection, which
// unblocks a pending write, and refuses new ones.
func (p *peer) shutdown() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shut = true
	if p.conn != nil {
		p.conn.Close()
	}
}

// drain empties the queue without blocking and returns how many messages
// it removed.
func (p *peer) drain() uint64 {
	var n uint64
	for {
		select {
		case <-p.queue:
			n++
		default:
			return n
		}
	}
}

func (p *peer) dropQueued() { p.t.dropped.Add(p.drain()) }

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// nextBackoff doubles the previous wait within [lo, hi].
func nextBackoff(prev, lo, hi time.Duration) time.Duration {
	if prev < lo {
		return lo
	}
	return min(2*prev, hi)
}

// jitter returns a wait drawn uniformly from [d/2, d], so peers that lost
// the same node do not all redial in step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until Close; it reports whether the Transport is open.
func sleep(t *Transport, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}

// announce is the address the hello on the outbound connection c names:
// the Transport's, or with AdvertiseLocalIP c's local IP and the
// Transport's port.
func (t *Transport) announce(c stdnet.Conn) string {
	if !t.cfg.AdvertiseLocalIP {
		return t.addr
	}
	la, ok := c.LocalAddr().(*stdnet.TCPAddr)
	_, port, err := stdnet.SplitHostPort(t.addr)
	if !ok || err != nil {
		return t.addr
	}
	return stdnet.JoinHostPort(la.IP.String(), port)
}
