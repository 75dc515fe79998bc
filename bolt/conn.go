package bolt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quiverdb/quiver/core/value"
	"go.uber.org/zap"
)

// State is a connection's protocol state.
type State int

// Connection states of the Bolt server state machine.
const (
	Connected State = iota
	Authentication
	Ready
	Streaming
	TxReady
	TxStreaming
	Failed
	Interrupted
	Defunct
)

var stateNames = [...]string{"CONNECTED", "AUTHENTICATION", "READY", "STREAMING", "TX_READY",
	"TX_STREAMING", "FAILED", "INTERRUPTED", "DEFUNCT"}

func (s State) String() string { return stateNames[s] }

// Server serves Bolt connections against a Backend.
type Server struct {
	Backend Backend
	// Agent is the server string of HELLO's SUCCESS.
	Agent string
	// MaxMessage bounds one request message in bytes (default 16 MiB).
	MaxMessage int
	// Telemetry tells 5.4+ drivers to send TELEMETRY.
	Telemetry bool
	// HandshakeTimeout bounds the handshake (default 10 s).
	HandshakeTimeout time.Duration
	Log              *zap.Logger
}

// errGoodbye ends a connection after GOODBYE.
var errGoodbye = errors.New("bolt: goodbye")

// inbound is one raw message from the reader goroutine, or its final error.
// more says that bytes of a further message were already buffered when msg
// was read, so the processing goroutine may hold its replies back to send
// them with the next message's in one write (drivers pipeline RUN and PULL).
// An inbound with flush set carries no message: the reader is about to wait
// on the network, so held replies must go out now.
type inbound struct {
	msg   []byte
	err   error
	more  bool
	flush bool
}

// stream is one open result.
type stream struct {
	res     Result
	pending []value.Value // a record read ahead to learn has_more
	qid     int64
}

// conn is the state of one connection; only its processing goroutine
// touches it, except mu-guarded interruption.
type conn struct {
	srv     *Server
	nc      net.Conn
	w       *bufio.Writer
	enc     Encoder
	dec     requestDecoder
	out     []byte
	version Version
	state   State
	info    ConnInfo
	sess    Session

	auto    *stream
	autoBuf stream // what auto points to: one auto-commit result at a time
	tx      Tx
	streams []*stream
	nextQid int64
	txCtx   context.Context
	txStop  context.CancelFunc
	// base is the connection's context; txCtx derives from it per transaction.
	base context.Context
	// gone cancels base when the client is gone (its socket failed or
	// closed without GOODBYE), so that the running query stops.
	gone context.CancelFunc

	// op is the operations' context, a child of txCtx (opParent) that RESET
	// cancels; it serves one operation after another until it is cancelled
	// or the transaction's context changes, so that a request does not
	// register and unregister a child context on the connection's for
	// each of its messages. opStop cancels it; opEnd is opContext's done.
	op       context.Context
	opParent context.Context
	opStop   context.CancelFunc
	opEnd    func()

	mu         sync.Mutex
	opCancel   context.CancelFunc // opStop while an operation runs
	interrupts atomic.Int32
}

// ServeConn runs one connection to completion. id names it in logs and in
// HELLO's connection_id.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn, id string) (err error) {
	defer nc.Close()
	defer func() {
		// A bug reached through one connection ends that connection only.
		if r := recover(); r != nil {
			err = fmt.Errorf("bolt: connection %s: internal error: %v", id, r)
			if s.Log != nil {
				s.Log.Error("connection panicked", zap.String("conn", id), zap.Any("panic", r), zap.Stack("stack"))
			}
		}
	}()
	ht := s.HandshakeTimeout
	if ht == 0 {
		ht = 10 * time.Second
	}
	_ = nc.SetDeadline(time.Now().Add(ht))
	v, err := Handshake(nc)
	if err != nil {
		return err
	}
	_ = nc.SetDeadline(time.Time{})
	c := &conn{srv: s, nc: nc, w: bufio.NewWriterSize(nc, 32*1024), version: v,
		info: ConnInfo{ID: id, RemoteAddr: nc.RemoteAddr().String(), Version: v}}
	c.enc.Shape = v.Shape(false)
	base, gone := context.WithCancel(ctx)
	defer gone()
	c.txCtx, c.base, c.gone = base, base, gone
	defer c.cleanup()
	return c.loop(ctx)
}

func (c *conn) maxMessage() int {
	if c.srv.MaxMessage > 0 {
		return c.srv.MaxMessage
	}
	return 16 << 20
}

// loop reads on a separate goroutine, so that RESET can interrupt the
// message being processed, and flushes replies whenever the pipeline drains.
func (c *conn) loop(ctx context.Context) error {
	in := make(chan inbound, inboundCap)
	done := make(chan struct{})
	defer close(done)
	go c.read(in, done)
	for {
		var m inbound
		select {
		case m = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		if m.err != nil {
			return c.readFailed(m.err)
		}
		if m.flush {
			if len(in) == 0 {
				if err := c.w.Flush(); err != nil {
					return err
				}
			}
			continue
		}
		if err := c.handle(ctx, m.msg); err != nil {
			_ = c.w.Flush()
			if errors.Is(err, errGoodbye) {
				return nil
			}
			return err
		}
		if len(in) == 0 && !m.more {
			if err := c.w.Flush(); err != nil {
				return err
			}
		}
	}
}

func (c *conn) read(in chan<- inbound, done <-chan struct{}) {
	hr := &hintReader{r: c.nc, in: in, done: done}
	br := bufio.NewReaderSize(hr, 32*1024)
	r := NewChunkReader(br, c.maxMessage())
	bye := false
	var copies msgRing
	for {
		msg, err := r.Read()
		var m inbound
		if err != nil {
			m.err = err
			if !bye {
				c.gone() // nobody is left to read what the running query returns
			}
		} else {
			bye = len(msg) == 2 && msg[0] == 0xB0 && msg[1] == MsgGoodbye
			m.msg = copies.hold(msg)
			m.more = br.Buffered() > 0
			hr.owed = m.more
			if len(msg) == 2 && msg[0] == 0xB0 && msg[1] == MsgReset {
				c.interrupt()
			}
		}
		select {
		case in <- m:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// msgRing holds the copies of the messages the reader goroutine hands to
// the processing goroutine, reusing their buffers in turn. When the
// reader copies a message, the processing goroutine is done with every
// message more than inboundCap+1 before it (the channel holds at most
// inboundCap, the reader sent the one before this one, and the processing
// goroutine handles one), so a ring of more buffers than that never
// overwrites a message still in use. Handling a message copies what it
// keeps (DecodeRequest allocates its strings and byte arrays).
type msgRing struct {
	bufs [inboundCap + 4][]byte
	next int
}

// inboundCap is the capacity of the channel of inbound messages.
const inboundCap = 8

// keepMessage is the largest buffer the ring keeps for reuse.
const keepMessage = 64 << 10

// hold copies msg into the next buffer of the ring.
func (r *msgRing) hold(msg []byte) []byte {
	b := append(r.bufs[r.next][:0], msg...)
	if cap(b) > keepMessage {
		r.bufs[r.next] = nil
	} else {
		r.bufs[r.next] = b
	}
	r.next = (r.next + 1) % len(r.bufs)
	return b
}

// hintReader is the reader goroutine's view of the socket. Before it waits
// on the network after a message sent with more set, it tells the
// processing goroutine to flush, so that held replies never wait for a
// message that is not complete yet (a partial message or a NOOP chunk).
type hintReader struct {
	r    io.Reader
	in   chan<- inbound
	done <-chan struct{}
	owed bool
}

func (h *hintReader) Read(p []byte) (int, error) {
	if h.owed {
		h.owed = false
		select {
		case h.in <- inbound{flush: true}:
		case <-h.done:
			return 0, io.EOF
		}
	}
	return h.r.Read(p)
}

// interrupt marks a RESET as pending and cancels the running operation.
func (c *conn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupts.Add(1)
	if c.opCancel != nil {
		c.opCancel()
	}
}

// opContext returns the context for one operation, cancelled by a RESET
// that arrives while it runs (or arrived before it), by the end of the
// transaction's context, and by the client going away; done ends the
// operation. Operations share one context until something cancels it.
func (c *conn) opContext() (ctx context.Context, done func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.op == nil || c.opParent != c.txCtx || c.op.Err() != nil {
		if c.opStop != nil {
			c.opStop()
		}
		c.op, c.opStop = context.WithCancel(c.txCtx)
		c.opParent = c.txCtx
	}
	if c.interrupts.Load() > 0 {
		c.opStop()
	}
	c.opCancel = c.opStop
	if c.opEnd == nil {
		c.opEnd = c.endOp
	}
	return c.op, c.opEnd
}

// endOp ends the running operation: a RESET from now on is for the next.
func (c *conn) endOp() {
	c.mu.Lock()
	c.opCancel = nil
	c.mu.Unlock()
}

func (c *conn) readFailed(err error) error {
	if err == io.EOF {
		return nil
	}
	if errors.Is(err, ErrMessageTooLarge) {
		c.sendFailure(CodeRequestInvalid, err.Error())
		_ = c.w.Flush()
	}
	return err
}

// handle processes one raw message.
func (c *conn) handle(ctx context.Context, msg []byte) error {
	// A RUN in Ready finds no result or transaction open that could still
	// read the previous RUN's parameters, so the decoder may reuse its map.
	c.dec.reuseParams = c.state == Ready
	req, err := c.dec.decode(msg, c.version, c.enc.Shape)
	if err != nil {
		c.sendFailure(CodeRequestInvalid, err.Error())
		return err
	}
	if c.interrupts.Load() > 0 && interruptible(req.Tag) {
		c.send(MsgIgnored)
		return c.werr()
	}
	if c.state == Failed && req.Tag != MsgReset && req.Tag != MsgGoodbye {
		c.send(MsgIgnored)
		return c.werr()
	}
	if err := c.dispatch(req); err != nil {
		return err
	}
	return c.werr()
}

// interruptible reports whether a pending RESET turns the message into
// IGNORED; connection set-up messages are never skipped.
func interruptible(tag byte) bool {
	switch tag {
	case MsgReset, MsgHello, MsgLogon, MsgLogoff, MsgGoodbye:
		return false
	}
	return true
}

func (c *conn) werr() error {
	if c.state == Defunct {
		return fmt.Errorf("bolt: connection %s closed after a fatal failure", c.info.ID)
	}
	return nil
}

func (c *conn) dispatch(req *Request) error {
	switch req.Tag {
	case MsgGoodbye:
		return errGoodbye
	case MsgReset:
		c.reset()
		return nil
	case MsgHello:
		return c.hello(req)
	case MsgLogon:
		return c.logon(req)
	}
	if c.state == Connected || c.state == Authentication {
		c.protocolError(req)
		c.state = Defunct
		return nil
	}
	switch req.Tag {
	case MsgLogoff:
		c.logoff(req)
	case MsgRun:
		c.run(req)
	case MsgPull, MsgDiscard:
		c.pull(req)
	case MsgBegin:
		c.begin(req)
	case MsgCommit:
		c.commit(req)
	case MsgRollback:
		c.rollback(req)
	case MsgRoute:
		c.route(req)
	case MsgTelemetry:
		c.telemetry(req)
	}
	return nil
}

func (c *conn) protocolError(req *Request) {
	c.fail(&Error{Code: CodeRequestInvalid,
		Message: fmt.Sprintf("%s is not allowed in state %s", req.Name(), c.state)})
}

// send encodes one response message and queues it, chunked, on the writer.
func (c *conn) send(tag byte, fields ...value.Value) {
	c.enc.Buf = c.enc.Buf[:0]
	if err := AppendRequest(&c.enc, tag, fields...); err != nil {
		c.enc.Buf = c.enc.Buf[:0]
		_ = AppendRequest(&c.enc, MsgFailure, value.Map{"code": CodeUnknown,
			"message": "cannot encode result: " + err.Error()})
		c.state = Failed
	}
	c.queue()
}

// sendRecord sends one RECORD without boxing its fields into a value.
func (c *conn) sendRecord(row []value.Value) {
	c.enc.Buf = c.enc.Buf[:0]
	c.enc.StructHeader(MsgRecord, 1)
	if err := c.enc.List(row); err != nil {
		c.send(MsgFailure, value.Map{"code": CodeUnknown, "message": "cannot encode result: " + err.Error()})
		c.state = Failed
		return
	}
	c.queue()
}

// queue writes the encoded message in enc.Buf, chunked, to the writer; a
// message that fits one chunk goes straight from the encoder's buffer.
func (c *conn) queue() {
	var err error
	if n := len(c.enc.Buf); n <= MaxChunk {
		_ = c.w.WriteByte(byte(n >> 8))
		_ = c.w.WriteByte(byte(n))
		_, _ = c.w.Write(c.enc.Buf)
		_ = c.w.WriteByte(0)
		err = c.w.WriteByte(0)
	} else {
		c.out = AppendChunked(c.out[:0], c.enc.Buf)
		_, err = c.w.Write(c.out)
	}
	if err != nil {
		c.state = Defunct
	}
}

func (c *conn) success(meta value.Map) { c.send(MsgSuccess, meta) }

func (c *conn) sendFailure(code, msg string) {
	c.send(MsgFailure, value.Map{"code": code, "message": msg})
}

// fail reports err, abandons open work and enters FAILED (or IGNORED when a
// RESET interrupted the operation).
func (c *conn) fail(err error) {
	if c.interrupts.Load() > 0 {
		c.send(MsgIgnored)
	} else {
		code, msg := Classify(err)
		c.sendFailure(code, msg)
		if c.srv.Log != nil && code == CodeUnknown {
			c.srv.Log.Warn("query failed", zap.String("conn", c.info.ID), zap.Error(err))
		}
	}
	c.abandon()
	if c.state != Defunct {
		c.state = Failed
	}
}

// abandon closes every open result and rolls back an open transaction.
func (c *conn) abandon() {
	if c.auto != nil {
		c.auto.res.Close()
		release(c.auto.res)
		c.auto = nil
	}
	for _, s := range c.streams {
		s.res.Close()
		release(s.res)
	}
	c.streams = nil
	if c.tx != nil {
		_ = c.tx.Rollback(context.Background())
		c.tx = nil
	}
	c.endTx()
}

func (c *conn) cleanup() {
	c.abandon()
	if c.sess != nil {
		c.sess.Close()
		c.sess = nil
	}
}

func (c *conn) reset() {
	if c.interrupts.Load() > 0 {
		c.interrupts.Add(-1)
	}
	c.abandon()
	switch c.state {
	case Connected, Authentication, Defunct:
	default:
		c.state = Ready
	}
	c.successEmpty()
}
