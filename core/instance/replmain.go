package instance

import (
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
)

// defaultReplicaPort is Memgraph's replication port when REGISTER REPLICA
// names only a host.
const defaultReplicaPort = "10000"

// codeReplicaWarning is the notification a commit carries when a SYNC or
// STRICT_SYNC replica was not in the in-sync set when it was acknowledged.
const codeReplicaWarning = "Quiver.Replication.ReplicaNotInSync"

// runMainReplication runs REGISTER REPLICA, DROP REPLICA and SHOW REPLICAS
// on a MAIN; it reports false for any other statement.
func (in *Instance) runMainReplication(s *Session, a cypher.AdminStmt, params value.Map, done func(*Result, error)) bool {
	switch st := a.(type) {
	case cypher.RegisterReplica:
		in.registerReplica(s, st, params, done)
	case cypher.DropReplica:
		in.dropReplica(s, st, done)
	case cypher.ShowReplicas:
		done(s.rowsResult([]string{"name", "socket_address", "sync_mode", "system_info", "data_info"}, in.replicaRows(), "r"), nil)
	default:
		return false
	}
	return true
}

// registerReplica adds a replica, starting the replication term at the
// first one. It answers once the registration is in the state file.
func (in *Instance) registerReplica(s *Session, st cypher.RegisterReplica, params value.Map, done func(*Result, error)) {
	reg, err := in.parseRegistration(st, params)
	if err != nil {
		done(nil, err)
		return
	}
	if in.term != nil {
		done(nil, errUnavailable("a replication term is starting (REGISTER REPLICA); retry"))
		return
	}
	if err := in.writable(); err != nil {
		done(nil, in.refusal(err))
		return
	}
	if err := in.mainTransport(); err != nil {
		done(nil, newErr(cypher.CodeSemanticError, err.Error()))
		return
	}
	answer := func(err error) {
		if err != nil {
			done(nil, in.adminErr(err))
			return
		}
		done(s.rowsResult(nil, nil, "w"), nil)
	}
	if in.main == nil {
		if in.g.VisibleTS() < in.g.LastCommitTS() {
			// The term starts at the last commit, which the Main takes as
			// durable: wait until it is.
			done(nil, errUnavailable("commits are still being made durable; retry REGISTER REPLICA"))
			return
		}
		in.beginTerm([]replicaReg{reg}, nil, answer)
		return
	}
	if err := in.main.Register(reg.name, reg.addr, reg.mode); err != nil {
		done(nil, newErr(cypher.CodeSemanticError, strings.TrimPrefix(err.Error(), "replication: ")))
		return
	}
	in.saveState(answer)
}

// parseRegistration checks REGISTER REPLICA's name, address and mode.
func (in *Instance) parseRegistration(st cypher.RegisterReplica, params value.Map) (replicaReg, error) {
	addr, err := adminString(st.Address, params)
	if err != nil {
		return replicaReg{}, err
	}
	if addr == "" || strings.Count(addr, ":") > 1 {
		return replicaReg{}, newErr(cypher.CodeSemanticError, fmt.Sprintf("invalid replica address %q: expected \"host\" or \"host:port\"", addr))
	}
	if !strings.Contains(addr, ":") {
		addr += ":" + defaultReplicaPort
	}
	mode, err := replication.ParseMode(st.Mode)
	if err != nil {
		return replicaReg{}, newErr(cypher.CodeSemanticError, err.Error())
	}
	if err := in.checkModeMix(st.Name, mode); err != nil {
		return replicaReg{}, err
	}
	return replicaReg{name: st.Name, addr: addr, mode: mode}, nil
}

// mainTransport makes sure a MAIN about to replicate has an endpoint with
// an address its replicas can answer: the one it has, or one the host
// starts through ReplicationPort(0) (a MAIN needs no flag, as in Memgraph).
func (in *Instance) mainTransport() error {
	if in.env.Net != nil && in.env.Net.Addr() != "" {
		return nil
	}
	if in.env.Net == nil || in.cfg.ReplicationPort == nil {
		return errors.New("this instance has no network to replicate over")
	}
	if err := in.cfg.ReplicationPort(0); err != nil {
		return fmt.Errorf("starting the replication transport: %w", err)
	}
	if in.env.Net.Addr() == "" {
		return errors.New("the host started no replication transport")
	}
	return nil
}

// dropReplica removes a registered replica; it answers once that is in
// the state file.
func (in *Instance) dropReplica(s *Session, st cypher.DropReplica, done func(*Result, error)) {
	if in.term != nil {
		done(nil, errUnavailable("a replication term is starting (REGISTER REPLICA); retry"))
		return
	}
	if in.main == nil {
		done(nil, newErr(cypher.CodeSemanticError, fmt.Sprintf("no replica named %q is registered", st.Name)))
		return
	}
	if err := in.main.Drop(st.Name); err != nil {
		done(nil, newErr(cypher.CodeSemanticError, strings.TrimPrefix(err.Error(), "replication: ")))
		return
	}
	in.saveState(func(err error) {
		if err != nil {
			done(nil, in.adminErr(err))
			return
		}
		done(s.rowsResult(nil, nil, "w"), nil)
	})
}

// Replicas returns the state of each registered replica, sorted by name
// (what SHOW REPLICAS shows, with the lag in time), or nil when this
// instance is not a MAIN with replicas.
func (in *Instance) Replicas() []replication.ReplicaStatus {
	if in.main == nil {
		return nil
	}
	return in.main.Status()
}

// replicaRows renders Main.Status as SHOW REPLICAS's rows.
func (in *Instance) replicaRows() [][]value.Value {
	if in.main == nil {
		return nil
	}
	st := in.main.Status()
	rows := make([][]value.Value, 0, len(st))
	for _, r := range st {
		data := value.Map{"memgraph": value.Map{"behind": r.Behind, "status": r.Status, "ts": int64(r.TS)}}
		rows = append(rows, []value.Value{r.Name, r.SocketAddress, r.SyncMode, nil, data})
	}
	return rows
}

// termStart is a replication term whose identity (epoch and main UUID)
// and replicas are being written to the state file: the Main starts only
// once they are durable, so no replica follows, and no WAL record carries,
// a term that a crash could make this instance forget. Writes wait in
// waiting meanwhile.
type termStart struct {
	uuid     string
	epoch    replication.Epoch
	lastTS   uint64
	prev     replication.History // the history before the term
	hist     replication.History // prev plus the term's entry
	replicas []replicaReg
	waiting  []func()
}

// nextTerm returns the number of a new term: the epoch counter, unless a
// term already used it, as this instance's or as a MAIN it followed.
func (in *Instance) nextTerm() uint64 {
	n := in.epoch
	if last := in.highestTerm(); last >= n {
		n = last + 1
	}
	return n
}

// highestTerm is the highest epoch number this instance knows a term of:
// in its history, or followed as a replica (a term that sent it nothing
// is in no history, yet its MAIN and replicas hold that number).
func (in *Instance) highestTerm() uint64 {
	n := max(in.hist.Last().Epoch.Num, in.followed)
	if in.replica != nil {
		_, e := in.replica.Following()
		n = max(n, in.replica.History().Last().Epoch.Num, e.Num)
	}
	return n
}

// beginTerm starts this instance's replication term as MAIN: from then on
// every commit goes through the Main, which decides when it is
// acknowledged. The term starts at the last committed timestamp, which
// must be durable already. Its state is written first; then the Main
// starts with regs registered (resume says how a restarted MAIN resumes
// them; nil for a REGISTER REPLICA), the waiting writes go on, and done
// runs.
func (in *Instance) beginTerm(regs []replicaReg, resume func(replication.Result), done func(error)) {
	rng := in.env.Rand
	uuid := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	in.epoch = in.nextTerm()
	e := replication.Epoch{Num: in.epoch, ID: rng.Uint64()}
	last := in.g.LastCommitTS()
	t := &termStart{uuid: uuid, epoch: e, lastTS: last, prev: in.hist.Clone(), replicas: regs}
	t.hist = append(in.hist.Clone(), replication.EpochEntry{Epoch: e, LastTS: last})
	in.term = t
	in.saveState(func(err error) {
		in.term = nil
		if err == nil && in.stopped {
			err = ErrStopped
		}
		if err == nil {
			err = in.startMain(t, resume)
		}
		done(err)
		for _, f := range t.waiting {
			f()
		}
	})
}

// startMain starts the Main of term t.
func (in *Instance) startMain(t *termStart, resume func(replication.Result)) error {
	in.mainUUID = t.uuid
	// Commits are acknowledged when the Main says so, after the fsync:
	// group commit gathers the next batch from then (Store.Expect).
	in.st.SetGather(false)
	cfg := replication.MainConfig{
		UUID:           t.uuid,
		Epoch:          t.epoch,
		History:        t.prev,
		LastTS:         t.lastTS,
		Clock:          in.env.Clock,
		Net:            in.env.Net,
		Rand:           in.env.Rand,
		Log:            replication.StoreLog{Store: in.st},
		Snapshots:      snapshotSource{in},
		Tuning:         in.cfg.Replication,
		OnWatermark:    in.acknowledge,
		OnFenced:       in.onFenced(resume == nil),
		Defer:          in.deferFn,
		SendOnFlush:    !in.cfg.Durability.DisableWAL,
		OnAcknowledged: in.cfg.ReplicationWait,
		Logger:         in.log,
	}
	if resume != nil { // a restarted MAIN: the Main registers them itself
		cfg.Resume = &replication.Resume{Done: resume}
		for _, r := range t.replicas {
			cfg.Resume.Replicas = append(cfg.Resume.Replicas, replication.Registration{Name: r.name, Addr: r.addr, Mode: r.mode})
		}
	}
	in.main = replication.NewMain(cfg)
	if resume != nil {
		return nil
	}
	for _, r := range t.replicas {
		if err := in.main.Register(r.name, r.addr, r.mode); err != nil {
			return newErr(cypher.CodeSemanticError, strings.TrimPrefix(err.Error(), "replication: "))
		}
	}
	return nil
}

// onFenced returns the Main's OnFenced for a term that an operator's
// REGISTER REPLICA began (fresh) or a restart resumed. A fresh term that
// no replica answered yet, with no commit waiting, is the operator's new
// MAIN meeting a replica that followed a term it never heard of (another
// MAIN's, begun while this one was a replica cut off from it): the
// operator registered the replica here, so this MAIN begins a new term
// above that epoch (reterm) instead of being deposed. Any other term is
// fenced: a newer MAIN exists.
func (in *Instance) onFenced(fresh bool) func(replication.Epoch) {
	return func(newer replication.Epoch) {
		in.followed = max(in.followed, newer.Num)
		in.fence(newer)
		m := in.main
		if !fresh || m == nil || m.Answered() || in.g.VisibleTS() < in.g.LastCommitTS() {
			return
		}
		if in.deferFn == nil {
			in.reterm(m, newer)
			return
		}
		in.deferFn(func() { in.reterm(m, newer) })
	}
}

// reterm ends the fenced fresh term of m and begins a new one, numbered
// above newer, with the same replicas (see onFenced).
func (in *Instance) reterm(m *replication.Main, newer replication.Epoch) {
	if in.main != m || in.stopped || in.failed != nil || in.term != nil || in.g.VisibleTS() < in.g.LastCommitTS() {
		return
	}
	var regs []replicaReg
	for _, st := range m.Status() {
		mode, _ := replication.ParseMode(st.SyncMode)
		regs = append(regs, replicaReg{name: st.Name, addr: st.SocketAddress, mode: mode})
	}
	in.hist = m.History()
	m.Stop()
	in.main, in.fenced = nil, nil
	in.log.Warn("a registered replica follows a term this new MAIN never heard of; beginning a newer term",
		zap.Stringer("theirs", newer))
	in.beginTerm(regs, nil, func(err error) {
		if err != nil {
			in.log.Warn("beginning a newer term failed", zap.Error(err))
		}
	})
}

// hasReplicas reports whether replicas are registered on this MAIN.
func (in *Instance) hasReplicas() bool { return in.main != nil && len(in.main.Status()) > 0 }

// replicate hands a locally committed transaction to the Main (in
// timestamp order) and appends it to the WAL; done runs once the Main
// acknowledges it, with the warnings naming SYNC replicas that were out of
// the in-sync set.
func (in *Instance) replicate(ts uint64, ds []graph.Delta, warn func([]string), done func(ts uint64, err error)) {
	m := in.main
	// The replicas get the very record the WAL holds, encoded once. The
	// Main queues it first, so when the WAL writes the batch that holds it
	// (Options.OnWrite) the batch goes to the replicas too.
	rec := durability.Record{Epoch: in.epoch, TS: ts, PrevTS: in.st.LastTS(), Deltas: ds}
	frame := durability.AppendRecord(nil, &rec)
	m.CommitFrame(ts, ds, frame, func(r replication.Result) {
		if r.Outcome == replication.Acknowledged {
			in.st.Expect(1) // its client comes back with its next write
			if len(r.Warnings) > 0 && warn != nil {
				warn(r.Warnings)
			}
			done(ts, nil)
			return
		}
		if in.failed != nil { // the WAL failed
			done(ts, fmt.Errorf("%w: %v", ErrNotDurable, in.failed))
			return
		}
		done(ts, fmt.Errorf("%w: %v", ErrUnacknowledged, r.Err))
	})
	in.st.AppendFrame(&rec, frame, func(err error) {
		if err != nil {
			in.fail(err)
			m.Stop() // every pending commit's outcome is unknown
			return
		}
		m.Durable(ts)
	})
}

// walWritten is the Store's OnWrite: a batch went to the WAL, so MAIN
// sends it to the replicas now, and their fsyncs run beside its own.
func (in *Instance) walWritten() {
	if in.main != nil {
		in.main.Flush()
	}
}

// replicaNotifications turns replication warnings into notifications.
func replicaNotifications(ws []string) []Notification {
	out := make([]Notification, 0, len(ws))
	for _, w := range ws {
		out = append(out, Notification{Code: codeReplicaWarning, Title: "A SYNC or STRICT_SYNC replica did not confirm the commit", Description: w})
	}
	return out
}
