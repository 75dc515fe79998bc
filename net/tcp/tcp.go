// Package tcp is the real transport behind net.Endpoint: messages framed
// with the net frame codec over TCP, one outbound connection per peer with a
// bounded send queue, lazy connect and reconnect with capped exponential
// backoff, and one reader goroutine per accepted connection.
//
// Send never blocks: a message that does not fit in its peer's queue, that
// was queued for a peer which cannot be reached, or that was being written
// when a connection broke is dropped and counted. Protocols on top number
// and retransmit what must arrive.
//
// Each direction between two endpoints has its own connection, opened by
// the sender, whose first frame is a hello carrying the sender's advertised
// address: that is the from of every message on it. Messages from one sender
// arrive in the order sent while its connection lives; across a reconnect
// the tail of the old connection may be delivered after the head of the new
// one, and duplicates never occur.
package tcp

import (
	"context"
	"errors"
	"fmt"
	stdnet "net"
	"sync"
	"sync/atomic"
	"time"

	qnet "github.com/quiverdb/quiver/net"
)

// Config tunes a Transport. Zero fields take the defaults given.
type Config struct {
	// Advertise is the "host:port" this endpoint announces in its hello
	// and returns from Addr. Default: the listen address, or the bound
	// address when the listen address has port 0 or no host.
	Advertise string
	// AdvertiseLocalIP announces, in the hello of each outbound
	// connection, that connection's local IP with the advertised port
	// instead of the advertised host: a listener on every interface has
	// no one address that all peers can reach, while the address a peer
	// was reached from is one it can dial back. Addr still returns
	// Advertise (or the bound address).
	AdvertiseLocalIP bool
	// QueueLen is the per-peer send queue length in messages (1024).
	QueueLen int
	// MaxBody is the largest body sent or accepted (net.DefaultMaxBody).
	MaxBody int
	// DialTimeout bounds one connection attempt (2s).
	DialTimeout time.Duration
	// WriteTimeout bounds one write; a peer that stops reading for this
	// long has its connection broken (10s).
	WriteTimeout time.Duration
	// HelloTimeout bounds the wait for an accepted connection's hello (10s).
	HelloTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait between failed connection
	// attempts to one peer, which doubles after each failure (20ms, 2s).
	BackoffMin, BackoffMax time.Duration
	// BatchBytes is how many bytes of queued frames are gathered into one
	// write (256 KiB).
	BatchBytes int
	// OnStreamError, if set, is called (from the connection's goroutine)
	// when an accepted connection is closed because its stream was
	// malformed, with the remote network address and the decode error.
	OnStreamError func(remote string, err error)
}

func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.QueueLen, 1024)
	setInt(&c.MaxBody, qnet.DefaultMaxBody)
	setInt(&c.BatchBytes, 256<<10)
	setDur(&c.DialTimeout, 2*time.Second)
	setDur(&c.WriteTimeout, 10*time.Second)
	setDur(&c.HelloTimeout, 10*time.Second)
	setDur(&c.BackoffMin, 20*time.Millisecond)
	setDur(&c.BackoffMax, 2*time.Second)
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = c.BackoffMin
	}
	return c
}

// Stats are a Transport's counters since Listen.
type Stats struct {
	Sent         uint64 // messages written to a connection
	Dropped      uint64 // messages dropped: queue full, peer unreachable, broken connection, too large, closed
	Received     uint64 // messages delivered
	DecodeErrors uint64 // accepted connections closed for a malformed stream
	Dials        uint64 // outbound connections established
	DialErrors   uint64 // failed connection attempts
	Accepted     uint64 // inbound connections accepted
}

// Transport is a TCP endpoint: it listens for peers and sends to them. It
// implements net.Endpoint.
type Transport struct {
	cfg     Config
	addr    string
	ln      stdnet.Listener
	deliver qnet.Handler
	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu      sync.RWMutex // guards closed, peers, inbound; Send holds it for reading
	closed  bool
	peers   map[string]*peer
	inbound map[stdnet.Conn]struct{}

	sent, dropped, received, decodeErrors atomic.Uint64
	dials, dialErrors, accepted           atomic.Uint64
}

var _ qnet.Endpoint = (*Transport)(nil)

// Listen starts a Transport with the default Config; see ListenConfig.
func Listen(addr string, deliver qnet.Handler) (*Transport, error) {
	return ListenConfig(addr, deliver, Config{})
}

// ListenConfig listens on addr and calls deliver, from one goroutine per
// accepted connection, for every message received, with the sender's
// advertised address as from. deliver must not block for long (the host
// posts the message onto its node loop; Close waits for deliver calls in
// progress); it is never called after Close returns. The message body is
// the caller's to keep.
func ListenConfig(addr string, deliver qnet.Handler, cfg Config) (*Transport, error) {
	cfg = cfg.withDefaults()
	ln, err := stdnet.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcp: listen %s: %w", addr, err)
	}
	adv, err := advertise(cfg.Advertise, addr, ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &Transport{
		cfg: cfg, addr: adv, ln: ln, deliver: deliver, ctx: ctx, cancel: cancel,
		peers: map[string]*peer{}, inbound: map[stdnet.Conn]struct{}{},
	}
	t.wg.Add(1)
	go t.acceptLoop()
	return t, nil
}

// advertise picks the address announced in hellos.
func advertise(configured, listen, bound string) (string, error) {
	adv := configured
	if adv == "" {
		adv = listen
		if host, port, err := stdnet.SplitHostPort(listen); err != nil || host == "" || port == "0" {
			adv = bound
		}
	}
	if len(adv) == 0 || len(adv) > qnet.MaxAddrLen {
		return "", fmt.Errorf("tcp: advertised address %q: length must be 1..%d", adv, qnet.MaxAddrLen)
	}
	return adv, nil
}

// Addr returns the address this Transport announces to its peers.
func (t *Transport) Addr() string { return t.addr }

// Stats returns a snapshot of the counters.
func (t *Transport) Stats() Stats {
	return Stats{
		Sent: t.sent.Load(), Dropped: t.dropped.Load(), Received: t.received.Load(),
		DecodeErrors: t.decodeErrors.Load(), Dials: t.dials.Load(),
		DialErrors: t.dialErrors.Load(), Accepted: t.accepted.Load(),
	}
}

// Send queues msg for the peer at to and returns at once. The first Send to
// a peer starts its writer, which connects lazily. A message that does not
// fit in the peer's queue, whose body exceeds MaxBody, or that is sent after
// Close is dropped and counted.
func (t *Transport) Send(to string, msg qnet.Message) {
	if len(msg.Body) > t.cfg.MaxBody {
		t.dropped.Add(1)
		return
	}
	t.mu.RLock()
	p := t.peers[to]
	if p != nil && !t.closed {
		t.enqueue(p, msg)
		t.mu.RUnlock()
		return
	}
	t.mu.RUnlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		t.dropped.Add(1)
		return
	}
	p = t.peers[to]
	if p == nil {
		p = newPeer(t, to)
		t.peers[to] = p
		t.wg.Add(1)
		go p.run()
	}
	t.enqueue(p, msg)
}

// enqueue adds msg to p's queue or counts it dropped. The caller holds t.mu
// (for reading at least), so no message enters a queue after Close drained it.
func (t *Transport) enqueue(p *peer, msg qnet.Message) {
	select {
	case p.queue <- msg:
	default:
		t.dropped.Add(1)
	}
}

// Close stops listening, closes every connection, drops (and counts) what
// is still queued, and waits for every goroutine of the Transport to end.
// It is safe to call more than once.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.cancel()
	err := t.ln.Close()
	for c := range t.inbound {
		c.Close()
	}
	for _, p := range t.peers {
		p.shutdown()
	}
	t.mu.Unlock()
	t.wg.Wait()
	if errors.Is(err, stdnet.ErrClosed) {
		err = nil
	}
	return err
}
