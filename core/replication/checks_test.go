package replication

import (
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/net"
)

// observe wraps every delivery to a replica: a replica must never move to
// an older epoch, nor apply anything a MAIN of an older epoch than the one
// it follows sent.
func (s *scenario) observe(from, to string, msg net.Message, deliver func()) {
	var r *rep
	for _, x := range s.reps {
		if x.addr == to && x.r != nil {
			r = x
		}
	}
	if r == nil {
		deliver()
		return
	}
	rr := r.r
	_, e0 := rr.Following()
	applied0 := rr.Applied()
	deliver()
	if r.r != rr {
		return
	}
	main, e1 := rr.Following()
	r.followed[main] = true
	if e1.Num < e0.Num {
		s.fail("%s moved from epoch %d back to %d on a message from %s", r.name, e0.Num, e1.Num, from)
	}
	if rr.Applied() != applied0 {
		if m, err := Decode(msg); err == nil && m.Hdr().Epoch.Num < e0.Num {
			s.fail("%s applied transactions from %s, a MAIN of epoch %d, while following epoch %d", r.name, from, m.Hdr().Epoch.Num, e0.Num)
		}
	}
}

// checkApply: a replica applies only what some MAIN committed, unchanged.
func (r *rep) checkApply(rec durability.Record) {
	s := r.s
	s.stats.applies++
	want, ok := s.commits[rec.Epoch][rec.TS]
	if !ok || !sameRecord(want, rec) {
		s.fail("%s applied transaction %d of epoch %d, which its MAIN did not commit", r.name, rec.TS, rec.Epoch)
	}
}

// checkRead: a replica's read timestamp never passes what it holds durably
// nor the acknowledged watermark of the MAINs it followed.
func (r *rep) checkRead(ts uint64) {
	s := r.s
	s.stats.reads++
	main, _ := r.r.Following()
	r.followed[main] = true
	bound := uint64(0)
	for u := range r.followed {
		bound = max(bound, s.maxWM[u])
	}
	if ts > bound {
		s.fail("%s serves reads at %d, past the acknowledged watermark %d", r.name, ts, bound)
	}
	if d := r.st.d.durableTS(); ts > d {
		s.fail("%s serves reads at %d, past its durable %d", r.name, ts, d)
	}
}

// result checks an acknowledged commit: durable on its MAIN and on every
// waited-for replica of the in-sync set at that moment.
func (s *scenario) result(mn *mainNode, res Result) {
	s.results = append(s.results, res)
	switch res.Outcome {
	case Retryable:
		s.stats.retryable++
		return
	case Unknown:
		s.stats.unknown++
		return
	}
	s.stats.acked++
	if mn.d.durableTS() < res.TS {
		s.fail("%s acknowledged %d before its own fsync (durable %d)", mn.uuid, res.TS, mn.d.durableTS())
	}
	want := s.commits[mn.epoch.Num][res.TS]
	for _, name := range mn.m.InSync() {
		p := mn.m.peerNamed(name)
		r := s.rep(name)
		if p == nil || !p.mode.waits() || r == nil {
			continue
		}
		s.stats.ackChecks++
		if !r.holdsDurably(want) {
			s.fail("%s acknowledged %d, which in-sync %s replica %s does not hold durably", mn.uuid, res.TS, p.mode, name)
		}
	}
}

func (s *scenario) rep(name string) *rep {
	for _, r := range s.reps {
		if r.name == name {
			return r
		}
	}
	return nil
}

func (r *rep) holdsDurably(want durability.Record) bool {
	for _, rec := range r.st.d.recs[:r.st.d.synced] {
		if rec.TS == want.TS {
			return sameRecord(rec, want)
		}
	}
	return false
}

// isPrefix reports whether recs are the first records of of.
func isPrefix(recs, of []durability.Record) bool {
	if len(recs) > len(of) {
		return false
	}
	for i := range recs {
		if !sameRecord(recs[i], of[i]) {
			return false
		}
	}
	return true
}

// checkDivergence, after a failover or a MAIN restart and the heal: a replica whose records
// are not a prefix of the new MAIN's is reported diverged, and only such a
// replica. Diverged ones are then dropped, wiped and registered again.
func (s *scenario) checkDivergence() {
	b := s.current()
	for _, st := range b.m.Status() {
		r := s.rep(st.Name)
		prefix := isPrefix(r.st.d.recs[:r.st.d.synced], b.d.recs)
		switch {
		case !prefix && st.Status != StatusDiverged:
			s.fail("%s branched from %s's history but is reported %s", r.name, b.uuid, st.Status)
		case prefix && st.Status == StatusDiverged:
			s.fail("%s holds a prefix of %s's history but is reported diverged (%s)", r.name, b.uuid, st.Reason)
		case !prefix:
			s.stats.diverged++
			if err := b.m.Drop(r.name); err != nil {
				panic(err)
			}
			r.crash()
			r.st = &store{d: &disk{w: s.w, n: r.n, maxSync: 20e6}, onApply: r.checkApply}
			r.start()
			if err := b.m.Register(r.name, r.addr, r.mode); err != nil {
				panic(err)
			}
		}
	}
}

// checkConvergence, once faults healed: every replica holds exactly the
// MAIN's transactions, durably, serves reads at its last, and is ready;
// an old MAIN has learned of the newer epoch.
func (s *scenario) checkConvergence() {
	b := s.current()
	if len(s.mains) > 1 && !s.mains[0].fenced && !s.mains[0].dead {
		s.fail("the old MAIN %s never learned of the newer epoch", s.mains[0].uuid)
	}
	if b.m.Watermark() != b.lastTS {
		s.fail("%s's watermark %d is not its last commit %d", b.uuid, b.m.Watermark(), b.lastTS)
	}
	for _, st := range b.m.Status() {
		r := s.rep(st.Name)
		got := r.st.d.recs[:r.st.d.synced]
		if len(got) != len(b.d.recs) || !isPrefix(got, b.d.recs) {
			s.fail("%s holds %d transactions, %s %d: not converged (status %s, %s)", r.name, len(got), b.uuid, len(b.d.recs), st.Status, st.Reason)
			continue
		}
		if st.Status != StatusReady || r.r.ReadTS() != b.lastTS {
			s.fail("%s converged but is %s with read timestamp %d, MAIN's last %d", r.name, st.Status, r.r.ReadTS(), b.lastTS)
		}
	}
}
