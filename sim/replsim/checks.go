package replsim

import (
	"fmt"
	"time"

	"github.com/quiverdb/quiver/sim/check"
)

// checkAll runs every checker over what the run recorded, once the faults
// healed and the liveness phase ended.
func (r *run) checkAll() error {
	rc := r.rec
	for _, c := range r.clients {
		if o := c.cur; o != nil && !o.done {
			o.done, o.reg.Outcome = true, check.Unknown
		}
	}
	for i := range r.hosts {
		if !r.hosts[i].Up() || !r.hosts[i].Ready() {
			return fmt.Errorf("after healing %s is not up and ready", names[i])
		}
		if i != r.main {
			rc.final[names[i]] = rc.noteApplied(i)
		}
	}
	rc.endTerm(false)
	chain := rc.terms[rc.term].log
	if r.err != nil {
		return r.err
	}
	h := rc.history(chain)
	acks, err := r.resolveAcks()
	if err != nil {
		return err
	}
	steps := []struct {
		name string // as Options.only and sim/check's reports name it
		run  func() (check.ReplReport, error)
	}{
		{"applied-by-main", func() (check.ReplReport, error) { return check.CheckApplied(h, rc.appliedLists()) }},
		{"convergence", r.convergence},
		{"acked-on-in-sync-replicas", func() (check.ReplReport, error) { return check.CheckAcksAtAck(acks) }},
		{"acked-after-heal", func() (check.ReplReport, error) {
			rep, lost, err := check.CheckAcksAfterHeal(h, acks, rc.final)
			r.stats.lost = lost
			return rep, err
		}},
		{"in-sync-replica-recovery", func() (check.ReplReport, error) { return check.CheckRecoveries(rc.recoveries) }},
		{"replica-reads", func() (check.ReplReport, error) { return check.CheckReplicaReads(h, rc.reads) }},
		{"linearizable", r.linearizable},
		{"followed-epochs", func() (check.ReplReport, error) { return check.CheckFollowedEpochs(rc.follows) }},
	}
	for _, step := range steps {
		if !r.on(step.name) {
			continue
		}
		rep, err := step.run()
		r.stats.reports = append(r.stats.reports, rep)
		if err != nil {
			return err
		}
	}
	r.stats.lag = rc.lag
	if r.stats.acked == 0 || r.stats.reads == 0 {
		return fmt.Errorf("nothing happened: %d writes acknowledged, %d replica reads", r.stats.acked, r.stats.reads)
	}
	return nil
}

// resolveAcks gives each acknowledged write the epoch it was committed in,
// from its MAIN's own log: an acknowledged write is durable there.
func (r *run) resolveAcks() ([]check.Ack, error) {
	out := make([]check.Ack, 0, len(r.rec.acks))
	byTerm := map[int]map[uint64]uint64{}
	for _, a := range r.rec.acks {
		m := byTerm[a.term]
		if m == nil {
			m = map[uint64]uint64{}
			for _, c := range r.rec.terms[a.term].log {
				m[c.TS] = c.Epoch
			}
			for _, c := range r.rec.terms[a.term].sent {
				m[c.TS] = c.Epoch
			}
			byTerm[a.term] = m
		}
		e, ok := m[a.ack.TS]
		if !ok && !r.opts.SnapshotCatchUp { // else snapshots may have retired it
			return nil, fmt.Errorf("write %d acknowledged by %s at %v is not in its own log", a.ack.TS, a.ack.Main, time.Duration(a.ack.At))
		}
		a.ack.Epoch = e
		out = append(out, a.ack)
	}
	return out, nil
}

// convergence compares every replica's visible graph with MAIN's.
func (r *run) convergence() (check.ReplReport, error) {
	state := func(i int) check.GraphState {
		g := r.inst(i).Graph()
		return check.GraphState{Name: names[i], TS: g.VisibleTS(), Hash: g.VisibleHash()}
	}
	var reps []check.GraphState
	for i := range r.hosts {
		if i != r.main {
			reps = append(reps, state(i))
		}
	}
	return check.CheckConvergence(state(r.main), reps)
}

// linearizable checks each MAIN lineage's register history with
// porcupine (a failover starts a new history, from the promoted replica's
// registers).
func (r *run) linearizable() (check.ReplReport, error) {
	rep := check.ReplReport{Checker: "linearizable"}
	byLineage := map[int][]check.RegOp{}
	for _, o := range r.rec.ops {
		byLineage[o.lineage] = append(byLineage[o.lineage], o.reg)
	}
	for _, t := range r.rec.terms {
		ops := byLineage[t.lineage]
		if len(ops) == 0 {
			continue
		}
		delete(byLineage, t.lineage) // its first term gives the initial values
		res, err := check.CheckRegisters(ops, check.Options{Initials: t.initial, ArtifactDir: r.opts.ArtifactDir,
			Name: fmt.Sprintf("replication-seed-%d-lineage-%d", r.seed, t.lineage)})
		rep.Examined += res.Ops
		r.stats.ops += res.Ops
		if err != nil {
			return rep, fmt.Errorf("the register history of MAIN %s's lineage: %w", names[t.host], err)
		}
	}
	return rep, nil
}
