package instance

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
)

// errInstalling refuses what cannot run while a snapshot from MAIN is
// being made durable.
var errInstalling = errors.New("instance: a snapshot from MAIN is being installed")

// install is a snapshot from MAIN that a replica is receiving. Each piece
// is verified and appended to a temporary snapshot file
// (durability.SnapshotReceiver), and the deltas of each whole chunk go at
// once into a new graph built aside (graph.Bulk): the snapshot is held
// once, as that graph, beside the graph readers keep using, plus at most
// one frame of bytes. At FinishSnapshot the file is made the store's whole
// state, durably; only then is the new graph swapped in, whole and already
// visible up to min(ts, MAIN's watermark), so no reader ever sees half of
// it, and every later WAL record follows ts.
type install struct {
	ts        uint64
	rcv       *durability.SnapshotReceiver
	g         *graph.Graph
	bulk      *graph.Bulk
	finishing bool // FinishSnapshot started: the disk is being switched over
}

// BeginSnapshot implements replication.Applier: it drops an unfinished
// snapshot and a local snapshot being written (the store writes one at a
// time), and starts receiving.
func (a applier) BeginSnapshot(ts uint64) error {
	in := a.in
	if err := in.writable(); err != nil {
		return err
	}
	if in.install != nil && in.install.finishing {
		return errInstalling
	}
	a.AbortSnapshot()
	if j := in.job; j != nil {
		if j.finishing {
			return durability.ErrSnapshotInProgress // MAIN tries again shortly
		}
		j.w.Abort()
		j.end(errors.New("instance: replaced by a snapshot from MAIN"))
	}
	rcv, err := in.st.ReceiveSnapshot(ts)
	if err != nil {
		return err
	}
	g := graph.New(graph.Options{})
	in.install = &install{ts: ts, rcv: rcv, g: g, bulk: g.BeginBulk()}
	in.log.Info("receiving a snapshot from MAIN", zap.Uint64("ts", ts))
	return nil
}

// AbortSnapshot implements replication.Applier: it drops an unfinished
// snapshot (one already being made durable goes on).
func (a applier) AbortSnapshot() {
	in := a.in
	if in.install == nil || in.install.finishing {
		return
	}
	in.install.bulk.Abort()
	in.install.rcv.Abort()
	in.install = nil
}

// SnapshotPiece implements replication.Applier: it verifies the piece,
// appends it to the snapshot file and applies the chunks it completes to
// the graph being built. Damaged data wraps replication.ErrBadSnapshot.
func (a applier) SnapshotPiece(data []byte) error {
	ins := a.in.install
	if ins == nil || ins.finishing {
		return fmt.Errorf("instance: a snapshot piece without a snapshot being received")
	}
	err := ins.rcv.Write(data, ins.bulk.Add)
	var bad *durability.CorruptionError
	if errors.As(err, &bad) || errors.Is(err, graph.ErrBadDelta) {
		a.AbortSnapshot()
		return fmt.Errorf("%w: %w", replication.ErrBadSnapshot, err)
	}
	return err
}

// FinishSnapshot implements replication.Applier: once the received file is
// the store's durable state, the new graph replaces the old one and done
// runs.
func (a applier) FinishSnapshot(ts uint64, done func(error)) error {
	in := a.in
	ins := in.install
	if ins == nil || ins.finishing || ins.ts != ts {
		return fmt.Errorf("instance: finishing a snapshot at %d that is not being received", ts)
	}
	info := ins.rcv.Info()
	if err := ins.bulk.Commit(ts); err != nil {
		a.AbortSnapshot()
		return fmt.Errorf("%w: %w", replication.ErrBadSnapshot, err)
	}
	ins.g.ReserveIDs(info.NextVertexID, info.NextEdgeID)
	ins.finishing = true
	// The snapshot's epoch history goes to the state file first, so that
	// after a crash it describes whichever state the storage comes back
	// with.
	in.recordInstall(ts, func(err error) {
		if err != nil {
			in.pendingInstall = nil
			ins.finishing = false
			a.AbortSnapshot()
			done(err)
			return
		}
		ins.rcv.Finish(func(err error) {
			in.install, in.pendingInstall = nil, nil
			if err != nil {
				in.fail(fmt.Errorf("installing the snapshot at %d: %w", ts, err))
				done(err)
				return
			}
			in.swapGraph(ins.g, ts, info.Epoch)
			done(nil)
		})
	})
	return nil
}

// InstalledSnapshots counts the snapshots from MAIN this instance
// installed since it started (call it on the loop).
func (in *Instance) InstalledSnapshots() int { return in.installed }

// swapGraph makes g, holding the state at ts, the instance's graph: first
// visible up to what the replica may show, then swapped in whole.
func (in *Instance) swapGraph(g *graph.Graph, ts, epoch uint64) {
	vis := ts
	if in.replica != nil {
		vis = min(ts, in.replica.Watermark())
	}
	if err := g.MarkAcknowledged(vis); err != nil {
		panic(fmt.Sprintf("instance: acknowledging the installed snapshot: %v", err))
	}
	in.g.swap(g)
	in.installed++
	in.lastSnapTS = ts
	in.epoch = max(in.epoch, epoch)
	in.wakeBookmarks() // the visible timestamp may have jumped
	in.log.Info("installed a snapshot from MAIN", zap.Uint64("ts", ts), zap.Uint64("visible", vis))
}
