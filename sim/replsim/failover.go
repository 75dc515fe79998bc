package replsim

import (
	"fmt"
	"time"

	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/sim/check"
)

// failover is an operator's failover in community replication, with the
// old MAIN coming back: MAIN is cut off from both replicas while its
// clients keep writing to it; the operator promotes r1 (SET REPLICATION
// ROLE TO MAIN: a newer epoch) and registers r2 on it; then the old MAIN's
// links heal while it still believes it is MAIN, and it talks to r2 with
// its older epoch. r2 must refuse it (which fences it), and must never
// apply what it committed after the promotion. Then the operator wipes
// the old MAIN, makes it a replica of r1 in r1's old mode, and points the
// clients at r1.
func (r *run) failover() error {
	w, rng := r.w, r.w.Rand()
	old, next, other := r.main, 1, 2
	r.stats.failovers++
	// The operator first resyncs a replica the MAIN holds diverged (its
	// restarts lost commits the replica holds), as it would on seeing it in
	// SHOW REPLICAS: a MAIN sends a diverged replica nothing, so the stale
	// MAIN could not come back to r2 with its older epoch.
	if err := r.resyncBefore(old); err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	w.Partition(r.hosts[old], r.hosts[next])
	w.Partition(r.hosts[old], r.hosts[other])
	// The old MAIN's links come back after its replication peers gave up
	// their sessions (four confirmation timeouts of silence, 1 s) and shake
	// hands again: a stale MAIN that reconnects, not one whose stale
	// session a replica turns away.
	back := w.Now() + time.Duration(1100+rng.IntN(300))*time.Millisecond
	w.RunFor(time.Duration(150+rng.IntN(250)) * time.Millisecond)

	// The promotion: the old MAIN's term ends here (what it commits from
	// now on is not MAIN's), r1's log so far is what it applied.
	r.rec.endTerm(true)
	r.rec.noteApplied(next)
	if !r.serving(next) {
		return fmt.Errorf("failover: %s is not serving as a replica", names[next])
	}
	oldModes := r.modes[old]
	r.replica[next] = false
	if _, err := r.exec(next, "SET REPLICATION ROLE TO MAIN", nil); err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	r.main = next
	r.rec.beginTerm(next, true)
	clear(r.rec.promised)
	initial, err := r.registers(next)
	if err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	r.rec.terms[r.rec.term].initial = initial
	if err := r.register(next, names[other], oldModes[names[other]]); err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	w.RunUntil(max(back, w.Now()+time.Duration(20+rng.IntN(40))*time.Millisecond))

	// The old MAIN comes back: its link to r2 heals, while the one to the
	// new MAIN stays cut (else the new MAIN's refusal fences it first).
	w.Heal()
	w.Partition(r.hosts[old], r.hosts[next])
	w.RunFor(time.Duration(200+rng.IntN(200)) * time.Millisecond)

	// The operator resyncs a replica that was ahead of the promoted one
	// (MAIN reports it diverged), wipes the old MAIN and makes it a
	// replica of the new MAIN, and points the clients there.
	w.Heal()
	if err := r.resyncDiverged(next); err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	t := r.rec.terms[r.rec.termOf(old)]
	t.log = r.rec.readLog(old)
	r.writeTo = next
	r.replica[old] = true
	mode := oldModes[names[next]]
	if mode == "" {
		mode = check.ModeSync
	}
	if err := r.wipeAndRegister(next, old, mode); err != nil {
		return fmt.Errorf("failover: %w", err)
	}
	return nil
}

// resyncDiverged drops, wipes and registers again every replica MAIN m
// reports diverged, as community replication asks the operator to.
func (r *run) resyncDiverged(m int) error {
	rows, err := r.exec(m, "SHOW REPLICAS", nil)
	if err != nil {
		return err
	}
	for _, row := range rows {
		name, _ := row[0].(string)
		info, _ := row[4].(value.Map)
		mg, _ := info["memgraph"].(value.Map)
		if st, _ := mg["status"].(string); st != "diverged" {
			continue
		}
		r.stats.resynced++
		mode := r.modes[m][name]
		delete(r.modes[m], name) // from the drop on, MAIN neither waits for it nor warns of it
		if _, err := r.exec(m, "DROP REPLICA "+name, nil); err != nil {
			return err
		}
		r.rec.noteApplied(indexOf(name))
		if err := r.wipeAndRegister(m, indexOf(name), mode); err != nil {
			return err
		}
	}
	return nil
}

// wipeAndRegister restarts host i with an empty disk, makes it a replica
// and registers it on MAIN m in mode.
func (r *run) wipeAndRegister(m, i int, mode string) error {
	w := r.w
	r.hosts[i].Crash(false)
	r.hostGone(i)
	r.rec.disks[i]++
	r.rec.durable[i], r.rec.promised[i] = 0, 0
	if err := r.hosts[i].RestartEmpty(); err != nil {
		return err
	}
	if !w.RunUntilTrue(w.Now()+time.Second, func() bool { return r.hosts[i].Ready() }) {
		return fmt.Errorf("the wiped %s never became ready", names[i])
	}
	if _, err := r.exec(i, roleQuery(i), nil); err != nil {
		return err
	}
	return r.register(m, names[i], mode)
}

// registers reads every register on host i.
func (r *run) registers(i int) (map[string]int64, error) {
	rows, err := r.exec(i, qAll, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, row := range rows {
		k, _ := row[0].(string)
		v, _ := row[1].(int64)
		out[k] = v
	}
	return out, nil
}

// resyncBefore resyncs MAIN m's diverged replicas and waits for them to
// catch up (r1 is promoted next), again if MAIN finds one diverged only
// now.
func (r *run) resyncBefore(m int) error {
	for range 4 {
		resynced := r.stats.resynced
		if err := r.resyncDiverged(m); err != nil || r.stats.resynced == resynced {
			return err
		}
		if r.caughtUp(m) {
			return nil
		}
	}
	return fmt.Errorf("%s's replicas did not catch up after resyncs", names[m])
}

// caughtUp runs until every replica of MAIN m holds durably what m has
// committed now, and reports whether they did within two seconds; it
// stops early when m holds a replica diverged.
func (r *run) caughtUp(m int) bool {
	target := r.inst(m).Graph().LastCommitTS()
	done, diverged := func() bool {
		for i := range r.hosts {
			if in := r.inst(i); i != m && (in == nil || !in.IsReplica() || in.ReplicaDurable() < target) {
				return false
			}
		}
		return true
	}, func() bool {
		for _, st := range r.inst(m).Replicas() {
			if st.Status == "diverged" {
				return true
			}
		}
		return false
	}
	r.w.RunUntilTrue(r.w.Now()+2*time.Second, func() bool { return done() || diverged() })
	return done()
}
