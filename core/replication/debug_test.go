package replication

import (
	"testing"
	"time"
)

func TestDebugSeed(t *testing.T) {
	orig := runScenarioHook
	defer func() { runScenarioHook = orig }()
	runScenarioHook = func(s *scenario) {
		var f func()
		f = func() {
			mn := s.current()
			for _, p := range mn.m.peers {
				t.Logf("t=%v %s state=%d q=%d sent=%d acked=%d wm=%d last=%d dur=%d hold=%v in=%v cut=%v alive=%v", s.w.now, p.name, p.state, len(p.queue), p.sent, p.acked, mn.m.wm, mn.m.last, mn.m.durable, p.hold, p.inSync, s.w.cut[[2]string{mn.addr, p.addr}], s.w.nodes[p.addr].alive)
			}
			for _, r := range s.reps {
				if r.r != nil {
					t.Logf("   %s applied=%d durable=%d synced=%d lastEnd=%v", r.name, r.r.applied, r.r.durable, r.st.d.synced, r.st.d.lastEnd)
				}
			}
			s.w.at(20*time.Millisecond, f)
		}
		s.w.at(0, f)
		s.w.faults.drop, s.w.faults.slow, s.w.faults.dup = 0, 0, 0
	}
	s := runScenario(3, false)
	t.Logf("%+v %v", s.stats, s.bad)
}
