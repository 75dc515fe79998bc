package instance

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/replication"
)

// becomeReplica ends a MAIN term (if any) and starts following whichever
// MAIN of a newer epoch shakes hands with this instance (main and epoch:
// the one it followed before a restart, if any, and readTS: the read
// timestamp it showed then). Reads are served up to the replica's read
// timestamp from now on.
func (in *Instance) becomeReplica(main string, epoch replication.Epoch, readTS uint64) {
	if in.main != nil {
		in.hist = in.main.History()
		in.main.Stop()
		in.main = nil
	}
	in.giveBackReserved()
	in.hidden.Store(false) // a replica shows what its MAIN acknowledges
	if last := in.g.LastCommitTS(); last > in.hist.Last().LastTS {
		// Commits made outside any replication term (a standalone MAIN)
		// get a term of their own, which no MAIN knows: a MAIN then sees
		// this replica's history branch from its own and reports it
		// diverged instead of streaming over those commits.
		e := replication.Epoch{Num: in.nextTerm(), ID: in.env.Rand.Uint64()}
		in.epoch = e.Num
		in.hist = in.hist.Note(e, last)
	}
	// A replica's commits come in MAIN's batches: each is written and
	// fsynced at once, not held back for commits that will not come.
	if in.st != nil {
		in.st.SetGather(false)
	}
	in.replica = replication.NewReplica(replication.ReplicaConfig{
		Net:      in.env.Net,
		Applier:  applier{in},
		History:  in.hist,
		Durable:  in.g.LastCommitTS(),
		Main:     main,
		Epoch:    epoch,
		ReadTS:   readTS,
		OnReadTS: in.replicaReadTS,
		Defer:    in.deferFn,
		Clock:    in.env.Clock,
		Logger:   in.log,
	})
}

// giveBackReserved rewinds the graph's last timestamp to the last logged
// commit: STRICT_SYNC aborts leave timestamps reserved and unused above it,
// and a replica must take its MAIN's next ones. After a WAL failure the
// graph may hold commits the log lacks; the instance refuses writes and
// needs a restart then, so it is left alone.
func (in *Instance) giveBackReserved() {
	if in.failed != nil {
		return
	}
	if err := in.g.load().Rewind(in.st.LastTS()); err != nil {
		panic(fmt.Sprintf("instance: the graph and the WAL disagree on the last commit: %v", err))
	}
}

// becomeMain ends following a MAIN. The next REGISTER REPLICA starts a new
// term with an epoch above every one this instance has seen.
func (in *Instance) becomeMain() {
	if in.replica == nil {
		return
	}
	in.epoch = max(in.epoch, in.highestTerm()) + 1
	_, e := in.replica.Following()
	in.followed = max(in.followed, e.Num)
	in.hist = in.replica.History()
	if in.st != nil {
		in.st.SetGather(true)
	}
	// What was applied and fsynced becomes visible: this instance now
	// decides visibility itself.
	in.acknowledge(in.replica.Durable())
	in.replica = nil
}

// applier is the replication.Applier of an instance: graph.Apply plus the
// WAL.
type applier struct{ in *Instance }

// Apply applies one committed transaction to the graph and appends it to
// the WAL; done runs once it is fsynced.
func (a applier) Apply(rec durability.Record, done func(error)) error {
	return a.ApplyFrame(rec, nil, done)
}

// ApplyFrame is Apply for a transaction that arrived with its WAL record
// as MAIN logged it (its CRCs checked): the WAL appends those bytes
// instead of encoding the deltas again (replication.FrameApplier).
func (a applier) ApplyFrame(rec durability.Record, frame []byte, done func(error)) error {
	in := a.in
	if err := in.writable(); err != nil {
		return err
	}
	if err := in.g.Apply(rec.TS, rec.Deltas); err != nil {
		return err
	}
	in.epoch = max(in.epoch, rec.Epoch)
	if rec.Epoch != in.hist.Last().Epoch.Num {
		// The first transaction of a new term: the replica saves its
		// history next (SaveState), and the WAL must not hold a term the
		// state file does not name.
		in.holdWAL()
	}
	in.appendWAL(rec, frame, func(err error) {
		if err != nil {
			in.fail(err)
		}
		done(err)
	})
	return nil
}

var _ replication.FrameApplier = applier{}

// readSaveInterval is how often a replica whose reads moved on saves its
// read timestamp in the state file, so that after a restart it shows again
// about what it showed before (not only what it showed when it last
// followed a new MAIN) even while its MAIN is away.
const readSaveInterval = time.Second

// replicaReadTS makes a replica's reads reach ts and schedules saving it.
func (in *Instance) replicaReadTS(ts uint64) {
	in.acknowledge(ts)
	if in.readSave != nil || in.stopped || in.env.Clock == nil {
		return
	}
	in.readSave = in.env.Clock.AfterFunc(readSaveInterval, func() {
		in.readSave = nil
		if !in.stopped && in.failed == nil && in.replica != nil {
			in.saveState(nil)
		}
	})
}

// SaveState writes the replica's epoch history and the MAIN it follows to
// the state file; WAL appends held for it go on once it is durable.
func (a applier) SaveState(h replication.History, main string, epoch replication.Epoch) {
	in := a.in
	in.hist = h.Clone()
	in.followed = max(in.followed, epoch.Num)
	in.log.Info("following a MAIN", zap.String("main", main), zap.String("epoch", fmt.Sprint(epoch)))
	hold := in.walHold
	in.saveState(func(err error) {
		if hold != nil && in.walHold == hold {
			in.releaseWAL(err)
		}
	})
}

// walHold is WAL appends waiting for a state write.
type walHold struct {
	appends []heldAppend
}

type heldAppend struct {
	rec   durability.Record
	frame []byte // MAIN's encoding of rec, nil if none
	done  func(error)
}

// holdWAL holds WAL appends until the next SaveState is durable.
func (in *Instance) holdWAL() {
	if in.walHold == nil {
		in.walHold = &walHold{}
	}
}

// appendWAL appends a replicated transaction to the WAL (MAIN's frame of
// it as it is, when there is one), or holds it.
func (in *Instance) appendWAL(rec durability.Record, frame []byte, done func(error)) {
	if h := in.walHold; h != nil {
		h.appends = append(h.appends, heldAppend{rec: rec, frame: frame, done: done})
		return
	}
	in.st.AppendFrame(&rec, frame, done)
}

// releaseWAL appends what was held, in order (or fails it with err).
func (in *Instance) releaseWAL(err error) {
	h := in.walHold
	in.walHold = nil
	for _, a := range h.appends {
		if err != nil {
			a.done(err)
			continue
		}
		in.st.AppendFrame(&a.rec, a.frame, a.done)
	}
}

// ReplicaDurable returns the last transaction a replica applied and
// fsynced (what it confirms to MAIN), or 0 when the instance is not a
// replica.
func (in *Instance) ReplicaDurable() uint64 {
	if in.replica == nil {
		return 0
	}
	return in.replica.Durable()
}
