package tcp

import (
	"bufio"
	"errors"
	"io"
	stdnet "net"
	"time"

	qnet "github.com/quiverdb/quiver/net"
)

// acceptLoop accepts connections until the listener closes.
func (t *Transport) acceptLoop() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.ctx.Err() != nil || errors.Is(err, stdnet.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait, then retry.
			if !sleep(t, 50*time.Millisecond) {
				return
			}
			continue
		}
		if !t.track(c) {
			c.Close()
			return
		}
		t.accepted.Add(1)
		go t.serve(c)
	}
}

// track registers an accepted connection so Close can close it; false once
// the Transport is closed.
func (t *Transport) track(c stdnet.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.inbound[c] = struct{}{}
	t.wg.Add(1)
	return true
}

func (t *Transport) untrack(c stdnet.Conn) {
	t.mu.Lock()
	delete(t.inbound, c)
	t.mu.Unlock()
	c.Close()
}

// serve reads one accepted connection: a hello naming the sender, then
// messages, each delivered with that sender as from. A malformed stream
// closes this connection only, and is counted.
func (t *Transport) serve(c stdnet.Conn) {
	defer t.wg.Done()
	defer t.untrack(c)
	dec := qnet.NewDecoder(bufio.NewReaderSize(c, 64<<10), t.cfg.MaxBody)
	if err := c.SetReadDeadline(time.Now().Add(t.cfg.HelloTimeout)); err != nil {
		return
	}
	from, err := dec.ReadHello()
	if err != nil {
		t.streamError(c, err)
		return
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return
	}
	for {
		f, err := dec.Next()
		if err != nil {
			t.streamError(c, err)
			return
		}
		if f.Kind != qnet.KindMessage {
			t.streamError(c, &qnet.FrameError{Offset: dec.Offset(), Err: errors.New("second hello on a connection")})
			return
		}
		t.received.Add(1)
		t.deliver(from, f.Msg)
	}
}

// streamError counts a malformed stream. A clean end, a stream cut inside a
// frame (the peer crashed) or a socket error is not a decode error.
func (t *Transport) streamError(c stdnet.Conn, err error) {
	var fe *qnet.FrameError
	if !errors.As(err, &fe) || errors.Is(err, io.ErrUnexpectedEOF) {
		return
	}
	t.decodeErrors.Add(1)
	if t.cfg.OnStreamError != nil {
		t.cfg.OnStreamError(c.RemoteAddr().String(), err)
	}
}
