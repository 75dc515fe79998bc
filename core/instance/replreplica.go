package instance

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/replication"
)

// becomeReplica ends a MAIN term (if any) and starts following whichever
// MAIN of a newer epoch shakes hands with this instance. Reads are served
// up to the replica's read timestamp from now on.
func (in *Instance) becomeReplica() {
	if in.main != nil {
		in.hist = in.main.History()
		in.main.Stop()
		in.main = nil
	}
	in.replica = replication.NewReplica(replication.ReplicaConfig{
		Net:      in.env.Net,
		Applier:  applier{in},
		History:  in.hist,
		Durable:  in.g.LastCommitTS(),
		OnReadTS: in.acknowledge,
		Logger:   in.log,
	})
}

// becomeMain ends following a MAIN. The next REGISTER REPLICA starts a new
// term with an epoch above every one this instance has seen.
func (in *Instance) becomeMain() {
	if in.replica == nil {
		return
	}
	in.hist = in.replica.History()
	in.epoch = max(in.epoch, in.hist.Last().Epoch.Num) + 1
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
	in := a.in
	if err := in.writable(); err != nil {
		return err
	}
	if err := in.g.Apply(rec.TS, rec.Deltas); err != nil {
		return err
	}
	in.epoch = max(in.epoch, rec.Epoch)
	in.st.Append(rec.Epoch, rec.TS, rec.Deltas, func(err error) {
		if err != nil {
			in.fail(err)
		}
		done(err)
	})
	return nil
}

// SaveState keeps the replica's epoch history in memory (it does not yet
// survive a restart: --replication-restore-state-on-startup is not wired).
func (a applier) SaveState(h replication.History, main string, epoch replication.Epoch) {
	a.in.hist = h.Clone()
	a.in.log.Info("following a MAIN", zap.String("main", main), zap.String("epoch", fmt.Sprint(epoch)))
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
