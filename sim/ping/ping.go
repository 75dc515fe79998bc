// Package ping is a small replicated-log protocol that exercises the
// simulator kernel: every node appends ticks (a random payload each) to its
// write-ahead file, and once a tick is synced it ships it, numbered, to every
// peer, which accepts ticks in order into a running digest, acknowledges
// cumulatively and drops duplicates, while the sender retransmits whatever is
// not yet acknowledged. Comparing digests shows whether a peer holds exactly
// the origin's ticks. It follows
// core's rules (no goroutines, real time or global randomness) so that it
// runs deterministically in the simulator.
package ping

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
	"time"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/net"
)

// Message types.
const (
	TypeUpdate uint16 = 1 // epoch, seq, payload (u64 each): tick seq of the sender's log
	TypeAck    uint16 = 2 // epoch, have, digest: receiver holds ticks 1..have of that epoch, with that digest
)

// WALName is the write-ahead file in the node's data directory.
const WALName = "ping.wal"

// walDir is the directory that holds WALName.
const walDir = "."

// Record layout: tag u32, value u64, payload u64, crc32 (IEEE) of the first
// 20 bytes.
const (
	recordSize = 24
	tagHeader  = 1 // value: the epoch, drawn when the file is created
	tagTick    = 2 // value: the tick's sequence number; payload: its content
)

// msgSize is the size of every message body: three u64 words.
const msgSize = 24

// Config configures a node.
type Config struct {
	// Peers are the other nodes' addresses.
	Peers []string
	// Interval is the tick period on the monotonic clock (default 50 ms);
	// each tick is jittered by up to a tenth of it.
	Interval time.Duration
	// Window bounds the ticks sent to one peer per tick (default 8).
	Window int
	// Limit stops counting after this many ticks (0: never).
	Limit uint64
	// ShipUnsynced is a deliberate bug for testing checkers: ticks are
	// shipped as soon as they are written, before they are durable.
	ShipUnsynced bool
}

// Stats counts what a node observed.
type Stats struct {
	Accepted      uint64 // updates accepted in order
	Duplicates    uint64 // updates already held
	Gaps          uint64 // updates ahead of the next expected one (dropped)
	Resets        uint64 // peers seen with a new epoch (their disk was wiped)
	SyncErrors    uint64 // failed syncs
	WriteErrors   uint64 // failed appends
	TruncatedTail uint64 // bytes of a torn last record cut at recovery
	Corruptions   uint64 // recoveries that found a corrupt record and started a new epoch
	Ticks         uint64 // timer firings
	Divergent     uint64 // acks whose digest differs from ours at their count
}

type peer struct {
	addr   string
	acked  uint64 // highest tick of ours the peer acknowledged (latest ack wins)
	epoch  uint64 // the peer's epoch we hold ticks of
	have   uint64 // ticks 1..have of the peer's epoch that we hold
	digest uint64 // running digest of those ticks' payloads
}

// Node is one ping node.
type Node struct {
	cfg       Config
	env       node.Env
	wal       disk.File
	epoch     uint64
	written   uint64   // ticks appended
	payloads  []uint64 // payloads[i] is tick i+1's
	digests   []uint64 // digests[i] is the digest of ticks 1..i+1
	durable   uint64   // ticks covered by a completed sync
	dirSynced bool     // the WAL's directory entry is durable
	syncing   bool
	peers     []peer
	timer     clock.Timer
	tickFn    func()
	stats     Stats
	buf       [recordSize]byte
	msg       [msgSize]byte
}

var _ node.Node = (*Node)(nil)

// New creates a node; Start brings it up.
func New(cfg Config) *Node {
	if cfg.Interval <= 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	if cfg.Window <= 0 {
		cfg.Window = 8
	}
	n := &Node{cfg: cfg}
	addrs := append([]string(nil), cfg.Peers...)
	sort.Strings(addrs)
	for _, a := range addrs {
		n.peers = append(n.peers, peer{addr: a})
	}
	n.tickFn = n.tick
	return n
}

// Start recovers the counter from the WAL (cutting a torn tail) or creates
// the WAL with a fresh epoch, and arms the tick timer.
func (n *Node) Start(env node.Env) error {
	n.env = env
	if env.FS == nil {
		n.epoch = env.Rand.Uint64()
		n.dirSynced = true
	} else if err := n.recover(); err != nil {
		return err
	}
	n.arm()
	env.ReportReady(nil) // it serves at once; ticks ship only once durable
	return nil
}

// recover opens the WAL, cutting a torn tail (a partial last record), or
// creates it. A WAL holding a full record that fails its check lost ticks
// that may have been shipped, so the node starts over under a fresh epoch
// rather than reuse their numbers: peers then drop what they held of the old
// one. Recovered ticks count as durable only once a sync after recovery
// completes.
func (n *Node) recover() error {
	fs := n.env.FS
	data, err := fs.ReadFile(WALName)
	if err != nil {
		return n.create()
	}
	valid, epoch, payloads := parse(data)
	if valid == 0 || len(data)-valid >= recordSize {
		n.stats.Corruptions++
		return n.create()
	}
	f, err := fs.Open(WALName)
	if err != nil {
		return fmt.Errorf("ping: open wal: %w", err)
	}
	if valid < len(data) {
		n.stats.TruncatedTail += uint64(len(data) - valid)
		if err := f.Truncate(int64(valid)); err != nil {
			return fmt.Errorf("ping: truncate wal at %d: %w", valid, err)
		}
	}
	n.wal, n.epoch, n.dirSynced = f, epoch, true
	for _, p := range payloads {
		n.addTick(p)
	}
	return nil
}

// create starts a new WAL with a fresh epoch. Nothing counts as durable
// until both the header and the directory entry are synced.
func (n *Node) create() error {
	f, err := n.env.FS.Create(WALName)
	if err != nil {
		return fmt.Errorf("ping: create wal: %w", err)
	}
	n.wal = f
	n.epoch = n.env.Rand.Uint64()
	if err := f.Append(encodeRecord(n.buf[:], tagHeader, n.epoch, 0)); err != nil {
		return fmt.Errorf("ping: write wal header: %w", err)
	}
	n.syncDir()
	return nil
}

func (n *Node) syncDir() {
	n.env.FS.SyncDir(walDir, func(err error) {
		if err != nil {
			n.stats.SyncErrors++
			return
		}
		n.dirSynced = true
	})
}

// parse returns the length of the valid prefix of a WAL, its epoch and the
// payloads of the ticks it holds. The prefix ends at the first short, corrupt
// or out-of-sequence record.
func parse(data []byte) (valid int, epoch uint64, payloads []uint64) {
	if len(data) < recordSize {
		return 0, 0, nil
	}
	tag, v, _, ok := decodeRecord(data[:recordSize])
	if !ok || tag != tagHeader {
		return 0, 0, nil
	}
	epoch, valid = v, recordSize
	for valid+recordSize <= len(data) {
		tag, v, p, ok := decodeRecord(data[valid : valid+recordSize])
		if !ok || tag != tagTick || v != uint64(len(payloads))+1 {
			break
		}
		payloads = append(payloads, p)
		valid += recordSize
	}
	return valid, epoch, payloads
}

func encodeRecord(b []byte, tag uint32, v, payload uint64) []byte {
	binary.LittleEndian.PutUint32(b[0:4], tag)
	binary.LittleEndian.PutUint64(b[4:12], v)
	binary.LittleEndian.PutUint64(b[12:20], payload)
	binary.LittleEndian.PutUint32(b[20:24], crc32.ChecksumIEEE(b[:20]))
	return b[:recordSize]
}

func decodeRecord(b []byte) (tag uint32, v, payload uint64, ok bool) {
	if binary.LittleEndian.Uint32(b[20:24]) != crc32.ChecksumIEEE(b[:20]) {
		return 0, 0, 0, false
	}
	return binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint64(b[4:12]), binary.LittleEndian.Uint64(b[12:20]), true
}

// mix folds one payload into a running digest.
func mix(digest, payload uint64) uint64 {
	d := (digest ^ payload) * 0x100000001b3
	return d ^ d>>29
}

// addTick records tick written+1 with its payload.
func (n *Node) addTick(payload uint64) {
	var d uint64
	if k := len(n.digests); k > 0 {
		d = n.digests[k-1]
	}
	n.payloads = append(n.payloads, payload)
	n.digests = append(n.digests, mix(d, payload))
	n.written++
}

// Digest is the digest of the node's own ticks 1..k (0 for k = 0 or beyond
// what it has).
func (n *Node) Digest(k uint64) uint64 {
	if k == 0 || k > uint64(len(n.digests)) {
		return 0
	}
	return n.digests[k-1]
}

// arm schedules the next tick, jittered by up to a tenth of the interval.
func (n *Node) arm() {
	d := n.cfg.Interval
	if j := int64(d / 10); j > 0 {
		d += time.Duration(n.env.Rand.Int64N(j))
	}
	n.timer = n.env.Clock.AfterFunc(d, n.tickFn)
}

// tick counts one more tick, syncs, and (re)sends unacknowledged ticks.
func (n *Node) tick() {
	n.stats.Ticks++
	if n.cfg.Limit == 0 || n.written < n.cfg.Limit {
		n.count()
	}
	if n.env.FS != nil && !n.dirSynced {
		n.syncDir()
	}
	n.sync()
	n.broadcast()
	n.arm()
}

func (n *Node) count() {
	payload := n.env.Rand.Uint64()
	if n.wal == nil {
		n.addTick(payload)
		n.durable = n.written
		return
	}
	if err := n.wal.Append(encodeRecord(n.buf[:], tagTick, n.written+1, payload)); err != nil {
		n.stats.WriteErrors++
		return
	}
	n.addTick(payload)
}

// sync starts a sync covering every tick written so far unless one runs.
func (n *Node) sync() {
	if n.wal == nil || n.syncing || n.durable == n.written {
		return
	}
	n.syncing = true
	upTo := n.written
	n.wal.Sync(func(err error) {
		n.syncing = false
		if err != nil {
			n.stats.SyncErrors++
			return
		}
		if upTo > n.durable {
			n.durable = upTo
		}
	})
}

// Shippable is the highest tick that may leave the node: durable, with the
// WAL's directory entry durable too.
func (n *Node) Shippable() uint64 {
	if n.cfg.ShipUnsynced {
		return n.written
	}
	if !n.dirSynced {
		return 0
	}
	return n.durable
}

// broadcast sends each peer the ticks it has not acknowledged, up to the
// window, or else the latest tick as a heartbeat, so that a peer that lost
// its memory answers with a lower acknowledgement and gets them again.
func (n *Node) broadcast() {
	top := n.Shippable()
	if top == 0 {
		return
	}
	for i := range n.peers {
		p := &n.peers[i]
		if p.acked >= top {
			n.send(p.addr, TypeUpdate, n.epoch, top, n.payloads[top-1])
			continue
		}
		for s, k := p.acked+1, 0; s <= top && k < n.cfg.Window; s, k = s+1, k+1 {
			n.send(p.addr, TypeUpdate, n.epoch, s, n.payloads[s-1])
		}
	}
}

func (n *Node) send(to string, typ uint16, a, b, c uint64) {
	binary.LittleEndian.PutUint64(n.msg[0:8], a)
	binary.LittleEndian.PutUint64(n.msg[8:16], b)
	binary.LittleEndian.PutUint64(n.msg[16:24], c)
	n.env.Net.Send(to, net.Message{Type: typ, Body: n.msg[:]})
}

// ErrBadMessage reports a message that does not decode.
var ErrBadMessage = errors.New("ping: bad message")

// Decode splits a ping message body into its three words.
func Decode(msg net.Message) (a, b, c uint64, err error) {
	if len(msg.Body) != msgSize || (msg.Type != TypeUpdate && msg.Type != TypeAck) {
		return 0, 0, 0, fmt.Errorf("%w: type %d, %d bytes", ErrBadMessage, msg.Type, len(msg.Body))
	}
	body := msg.Body
	return binary.LittleEndian.Uint64(body[0:8]), binary.LittleEndian.Uint64(body[8:16]), binary.LittleEndian.Uint64(body[16:24]), nil
}

// Receive handles an update or an acknowledgement.
func (n *Node) Receive(from string, msg net.Message) {
	a, b, c, err := Decode(msg)
	if err != nil {
		return
	}
	p := n.peer(from)
	if p == nil {
		return
	}
	switch msg.Type {
	case TypeUpdate:
		n.update(p, a, b, c)
	case TypeAck:
		if a == n.epoch {
			p.acked = b
			if b <= n.written && c != n.Digest(b) {
				n.stats.Divergent++
			}
		}
	}
}

func (n *Node) update(p *peer, epoch, seq, payload uint64) {
	if epoch != p.epoch {
		if p.epoch != 0 {
			n.stats.Resets++
		}
		p.epoch, p.have, p.digest = epoch, 0, 0
	}
	switch {
	case seq == p.have+1:
		p.have = seq
		p.digest = mix(p.digest, payload)
		n.stats.Accepted++
	case seq <= p.have:
		n.stats.Duplicates++
	default:
		n.stats.Gaps++
	}
	n.send(p.addr, TypeAck, epoch, p.have, p.digest)
}

func (n *Node) peer(addr string) *peer {
	i := sort.Search(len(n.peers), func(i int) bool { return n.peers[i].addr >= addr })
	if i < len(n.peers) && n.peers[i].addr == addr {
		return &n.peers[i]
	}
	return nil
}

// Stop cancels the tick timer, syncs and closes the WAL, and then calls
// done.
func (n *Node) Stop(done func(error)) {
	if n.timer != nil {
		n.timer.Stop()
	}
	f := n.wal
	if f == nil {
		done(nil)
		return
	}
	f.Sync(func(err error) {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done(err)
	})
}

// Epoch is the epoch of the node's WAL.
func (n *Node) Epoch() uint64 { return n.epoch }

// Written is the number of ticks appended.
func (n *Node) Written() uint64 { return n.written }

// Durable is the number of ticks covered by a completed sync.
func (n *Node) Durable() uint64 { return n.durable }

// Have returns the epoch, count and digest of the ticks held from the peer
// at addr.
func (n *Node) Have(addr string) (epoch, have, digest uint64) {
	if p := n.peer(addr); p != nil {
		return p.epoch, p.have, p.digest
	}
	return 0, 0, 0
}

// Stats returns what the node observed.
func (n *Node) Stats() Stats { return n.stats }
