package sim

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/net"
)

// echo answers every message with an empty one back to its sender.
type echo struct{ env node.Env }

func (e *echo) Start(env node.Env) error { e.env = env; return nil }
func (e *echo) Stop(done func(error))    { done(nil) }
func (e *echo) Receive(from string, msg net.Message) {
	e.env.Net.Send(from, net.Message{Type: msg.Type})
}

// BenchmarkEventLoop measures the kernel's raw event rate: message deliveries
// between two echo nodes, 64 messages in flight, random latency.
func BenchmarkEventLoop(b *testing.B) {
	w := NewWorld(Options{Seed: 1, Link: LinkConfig{MinLatency: time.Millisecond, MaxLatency: 3 * time.Millisecond}})
	a := w.AddHost("a:1", func() node.Node { return &echo{} })
	c := w.AddHost("c:1", func() node.Node { return &echo{} })
	for _, h := range []*Host{a, c} {
		if err := h.Start(); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 64; i++ {
		a.Node().(*echo).env.Net.Send(c.Addr(), net.Message{Type: 1})
	}
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		w.Step()
	}
	m.report(b, float64(b.N))
}

// ticker re-arms a timer forever.
type ticker struct {
	env node.Env
	fn  func()
}

func (t *ticker) Start(env node.Env) error {
	t.env = env
	t.fn = t.tick
	t.tick()
	return nil
}
func (t *ticker) Stop(done func(error))       { done(nil) }
func (t *ticker) Receive(string, net.Message) {}
func (t *ticker) tick()                       { t.env.Clock.AfterFunc(time.Millisecond, t.fn) }

// BenchmarkTimers measures timer events (AfterFunc + firing) on 16 drifting hosts.
func BenchmarkTimers(b *testing.B) {
	w := NewWorld(Options{Seed: 1, Drift: 0.01})
	for i := 0; i < 16; i++ {
		h := w.AddHost(fmt.Sprintf("t%d:1", i), func() node.Node { return &ticker{} })
		if err := h.Start(); err != nil {
			b.Fatal(err)
		}
	}
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		w.Step()
	}
	m.report(b, float64(b.N))
}

// heartbeater sends a 16-byte heartbeat to every peer each interval.
type heartbeater struct {
	env      node.Env
	peers    []string
	interval time.Duration
	seq      uint64
	recv     uint64
	body     [16]byte
	fn       func()
}

func (h *heartbeater) Start(env node.Env) error {
	h.env = env
	h.fn = h.beat
	env.Clock.AfterFunc(time.Duration(env.Rand.Int64N(int64(h.interval))), h.fn)
	return nil
}
func (h *heartbeater) Stop(done func(error)) { done(nil) }
func (h *heartbeater) Receive(from string, msg net.Message) {
	h.recv++
}
func (h *heartbeater) beat() {
	h.seq++
	binary.LittleEndian.PutUint64(h.body[:8], h.seq)
	for _, p := range h.peers {
		h.env.Net.Send(p, net.Message{Type: 1, Body: h.body[:]})
	}
	h.env.Clock.AfterFunc(h.interval, h.fn)
}

// BenchmarkHeartbeatCluster runs a 6-node cluster exchanging heartbeats every
// 50 ms and reports simulated seconds per wall second and events per second.
// One iteration is one simulated second.
func BenchmarkHeartbeatCluster(b *testing.B) {
	const nodes = 6
	w := NewWorld(Options{Seed: 1, Drift: 0.01, Link: LinkConfig{MinLatency: 500 * time.Microsecond, MaxLatency: 2 * time.Millisecond}})
	addrs := make([]string, nodes)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("n%d:7000", i+1)
	}
	for i, a := range addrs {
		var peers []string
		for j, p := range addrs {
			if j != i {
				peers = append(peers, p)
			}
		}
		h := w.AddHost(a, func() node.Node { return &heartbeater{peers: peers, interval: 50 * time.Millisecond} })
		if err := h.Start(); err != nil {
			b.Fatal(err)
		}
	}
	ev0 := w.Events()
	m := startMeter(b)
	w.RunFor(time.Duration(b.N) * time.Second)
	wall := m.report(b, float64(w.Events()-ev0))
	b.ReportMetric(float64(b.N)/wall, "simsec/s")
}

// BenchmarkPingScenario measures whole scenario runs (nemesis, disk, checks).
func BenchmarkPingScenario(b *testing.B) {
	var events uint64
	m := startMeter(b)
	for i := 0; i < b.N; i++ {
		events += RunPingScenario(uint64(i+1), PingOptions{}).Events
	}
	m.report(b, float64(events))
}

// cpuTime is the process's user+system CPU time. On a shared machine the
// wall-clock rates undercount; events per CPU second shows the kernel's own cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// meter reports events/s of wall time and per CPU second since it started.
type meter struct {
	wall time.Time
	cpu  time.Duration
}

func startMeter(b *testing.B) meter {
	b.ReportAllocs()
	b.ResetTimer()
	return meter{wall: time.Now(), cpu: cpuTime()}
}

func (m meter) report(b *testing.B, events float64) (wallSec float64) {
	wallSec = time.Since(m.wall).Seconds()
	b.ReportMetric(events/wallSec, "events/s")
	if cpu := (cpuTime() - m.cpu).Seconds(); cpu > 0 {
		b.ReportMetric(events/cpu, "events/cpu-s")
	}
	return wallSec
}
