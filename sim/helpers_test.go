package sim

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/net"
)

// recorder is a test node that records what it receives and when its timers
// fire, and sends numbered messages on request.
type recorder struct {
	env   node.Env
	w     *World
	got   []received
	fired []time.Duration // true times at which its timers fired
}

type received struct {
	from string
	seq  uint64
	at   time.Duration
}

func (r *recorder) Start(env node.Env) error { r.env = env; return nil }
func (r *recorder) Stop(done func(error))    { done(nil) }

func (r *recorder) Receive(from string, msg net.Message) {
	r.got = append(r.got, received{from: from, seq: binary.LittleEndian.Uint64(msg.Body), at: r.w.Now()})
}

// send sends message number seq to the host at addr.
func (r *recorder) send(to string, seq uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seq)
	r.env.Net.Send(to, net.Message{Type: 7, Body: b[:]})
}

// after arms a timer that records the true time at which it fires.
func (r *recorder) after(d time.Duration) {
	r.env.Clock.AfterFunc(d, func() { r.fired = append(r.fired, r.w.Now()) })
}

func (r *recorder) from(addr string) []uint64 {
	var s []uint64
	for _, g := range r.got {
		if g.from == addr {
			s = append(s, g.seq)
		}
	}
	return s
}

// recWorld builds a world of n started recorder hosts h1:1 ... hn:1.
func recWorld(t *testing.T, opts Options, n int) (*World, []*Host) {
	t.Helper()
	w := NewWorld(opts)
	hosts := make([]*Host, n)
	for i := range hosts {
		hosts[i] = w.AddHost(fmt.Sprintf("h%d:1", i+1), func() node.Node { return &recorder{w: w} })
		if err := hosts[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	return w, hosts
}

func rec(h *Host) *recorder { return h.Node().(*recorder) }
