// Package instance is a standalone data instance: the graph storage and its
// durability, recovered from the node's disk at Start, with the commit path
// graph commit → WAL append → group commit → visibility. It is a
// deterministic core node: everything runs in calls from the host, one at a
// time, and completions arrive as callbacks on the node's loop.
//
// It is also the query entry point (session.go, result.go, admin.go):
// sessions run auto-commit and explicit transactions, results are pulled
// in batches, bookmarks are built and checked here, and every error
// carries a Neo4j status code decided here. Bolt (server/db) and the
// simulator's clients both use it; offloop.go says which calls the real
// host may make off the loop. Replication: role.go, replmain.go and
// replreplica.go wire core/replication in; strict.go runs every commit
// through STRICT_SYNC's two phases when such a replica is registered;
// bookmark.go makes a transaction wait until the instance shows its
// bookmarks. The management endpoint will join it later.
package instance

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/net"
)

// Config configures an Instance. The zero value is group commit, no
// periodic snapshots, garbage collection every second and a snapshot at
// clean shutdown.
type Config struct {
	Durability durability.Options
	// SnapshotInterval is the period of automatic snapshots; 0 turns them off.
	SnapshotInterval time.Duration
	// GCInterval is the period of the graph's garbage collection (default
	// 1s; negative turns it off).
	GCInterval time.Duration
	// NoSnapshotOnStop skips the snapshot a clean shutdown writes.
	NoSnapshotOnStop bool
	// SnapshotStep is how many vertices or edges one step of a snapshot
	// walks before yielding to the loop (default 4096).
	SnapshotStep int
	// SnapshotPieceSize is the size of the pieces a MAIN sends a snapshot
	// to a replica in, one per round trip (default 256 KiB).
	SnapshotPieceSize int
	// Replication tunes MAIN's replication streams (zero values: the
	// defaults of replication.Tuning).
	Replication replication.Tuning
	// Epoch is the epoch written with new commits when it is above the one
	// recovered (a standalone instance keeps its own counter; default 1).
	Epoch uint64
	// QueryTimeout bounds every transaction whose client gave no timeout
	// (0: none).
	QueryTimeout time.Duration
	// BookmarkWait bounds how long a transaction waits until this instance
	// shows the transactions its bookmarks name, before it fails with
	// BookmarkTimeout (default 30s, as Neo4j's bookmark_ready_timeout; a
	// shorter transaction timeout bounds it too).
	BookmarkWait time.Duration
	// WriteStep is how many rows one step of a write works through before
	// it yields to the loop (default 1024).
	WriteStep int
	// PlanCacheSize bounds the shared plan cache (default 1000 entries).
	PlanCacheSize int
	// Host tells the engine what only the host knows (version, settings,
	// memory and disk figures) for SHOW STORAGE INFO and friends.
	Host func() cypher.HostInfo
	// QueryMemoryLimit bounds the memory one query holds, in bytes (0:
	// none); a query's QUERY MEMORY LIMIT replaces it.
	QueryMemoryLimit int64
	// Reserve, when set, is the host's memory pool shared by all queries
	// (cypher.Guard.Reserve); it must be safe on any goroutine.
	Reserve func(delta int64) error
	// Files is where LOAD CSV reads (nil refuses it); the host confines it
	// to its import directory. It must be safe on any goroutine.
	Files cypher.FileSource
	// RestoreReplicationState (Memgraph's
	// --replication-restore-state-on-startup) restores the replication
	// role at Start from the state file the instance keeps (replstate.go):
	// a REPLICA comes back as a replica of the MAIN it followed, on its
	// port; a MAIN with registered replicas registers them again and
	// starts a new term. Off, the instance starts as a standalone MAIN and
	// leaves the file alone. The file is written either way.
	RestoreReplicationState bool
	// ReplicationPort, when set, is the host's side of SET REPLICATION
	// ROLE TO REPLICA WITH PORT n (and of restoring that role): it makes
	// the node's replication endpoint listen on port n, or says why it
	// cannot (the error is the query's). Port 0 asks for the transport a
	// MAIN needs (at its first REGISTER REPLICA, or when it restores
	// registered replicas) when its endpoint has no address yet: on any
	// port, announced so that its replicas can answer; a transport already
	// running does. Called on the loop. Unset, the endpoint's own address
	// decides: a port other than its port is refused (the simulator's
	// hosts have fixed addresses).
	ReplicationPort func(port int) error
	// ReplicationWait, when set, hears on the loop of each commit a MAIN
	// with replicas acknowledges: how long it waited for them after its own
	// fsync (replication.MainConfig.OnAcknowledged).
	ReplicationWait func(time.Duration)
}

// Errors of the commit path.
var (
	// ErrNotDurable: the commit was applied in memory but the WAL failed
	// before it was durable, so whether it survives a restart is unknown.
	// The instance refuses further commits until it is restarted.
	ErrNotDurable = errors.New("instance: commit outcome unknown: the WAL failed")
	// ErrFenced: this instance was MAIN and learned of a newer MAIN's
	// epoch (an operator promoted another instance), so it refuses writes
	// until it is made a replica. Its storage is sound.
	ErrFenced = errors.New("instance: this MAIN was deposed")
	// ErrStopped is returned after Stop.
	ErrStopped = errors.New("instance: stopped")
)

// Instance is a standalone data instance; it implements node.Node.
type Instance struct {
	cfg   Config
	env   node.Env
	log   *zap.Logger
	g     *graphRef // the graph; a replica's is replaced by a snapshot from MAIN
	st    *durability.Store
	rec   durability.Recovery
	epoch uint64
	// followed is the highest epoch number of a MAIN this instance
	// followed as a replica, even one that sent it no transaction: a term
	// this instance begins takes a number above it (epochs only grow).
	followed uint64

	failed error
	// fenced is set once this instance, as MAIN, learned of a newer MAIN's
	// epoch: it refuses writes until it is made a replica (or restarted).
	fenced  error
	stopped bool
	ready   bool // recovered state is durable and visible

	// stopDone is set once a clean shutdown finished writing, with its
	// result in stopErr; stopWaiting holds the Stop callbacks until then.
	stopDone    bool
	stopErr     error
	stopWaiting []func(error)

	job        *snapJob // the snapshot being written
	install    *install // a snapshot from MAIN being received (replica)
	installed  int      // snapshots from MAIN installed since Start
	snapTimer  clock.Timer
	gcTimer    clock.Timer
	lastSnapTS uint64

	// The query entry point: one engine and plan cache per instance,
	// every session holding a handle onto them, and the running
	// transactions.
	eng     *cypher.Engine
	txs     registry
	deferFn func(func()) // runs f on the loop soon (a write's next step)
	// open is published for readers off the loop: ready and not stopped.
	open atomic.Bool
	// hidden is published for readers off the loop: a restarted MAIN's
	// term ended before it acknowledged its recovered commits (a newer
	// MAIN exists), so it shows less than it had shown before its crash
	// and refuses reads (errHidden) until it becomes a replica.
	hidden      atomic.Bool
	sessionSeed uint64        // set at Start
	sessions    atomic.Uint64 // sessions opened, for their rand() seeds

	role role // MAIN (default) or REPLICA
	// main is the replication term's MAIN side, from the first REGISTER
	// REPLICA on; replica is the REPLICA side while the role is replica.
	main     *replication.Main
	mainUUID string
	replica  *replication.Replica
	hist     replication.History // epoch history before the current term

	stw     stateWriter // the replication state file's writes
	term    *termStart  // a replication term whose state is being made durable
	walHold *walHold    // WAL appends waiting for the state file (a replica's new epoch)
	// readSave saves a replica's read timestamp a while after it moved.
	readSave clock.Timer
	// pendingInstall is a snapshot from MAIN whose history is being saved
	// before the storage switches over to it.
	pendingInstall *pendingInstall
	// waiters are transactions waiting for their bookmarks (bookmark.go).
	waiters []*bookmarkWaiter
}

var _ node.Node = (*Instance)(nil)

// New returns an instance that Start will recover from env.FS.
func New(cfg Config) *Instance {
	if cfg.GCInterval == 0 {
		cfg.GCInterval = time.Second
	}
	if cfg.Epoch == 0 {
		cfg.Epoch = 1
	}
	if cfg.SnapshotStep <= 0 {
		cfg.SnapshotStep = 4096
	}
	if cfg.WriteStep <= 0 {
		cfg.WriteStep = 1024
	}
	if cfg.PlanCacheSize <= 0 {
		cfg.PlanCacheSize = 1000
	}
	return &Instance{cfg: cfg}
}

// Start recovers the graph from env.FS (newest valid snapshot plus the WAL
// after it) and arms the snapshot and GC timers. The recovered commits
// become visible once recovery's repairs are durable, and then the instance
// reports env.Ready(nil) (or env.Ready with the error that kept it from
// getting there). A CorruptionError names the damaged file and offset;
// Config.Durability.StartDespiteCorruption starts from what is valid instead.
func (in *Instance) Start(env node.Env) error {
	in.env = env
	in.log = env.Log
	if in.log == nil {
		in.log = zap.NewNop()
	}
	in.g = newGraphRef(graph.New(graph.Options{}))
	dopts := in.cfg.Durability
	if dopts.Defer == nil && env.Clock != nil {
		dopts.Defer = func(f func()) { env.Clock.AfterFunc(0, f) }
	}
	if dopts.Clock == nil {
		dopts.Clock = env.Clock
	}
	in.deferFn = dopts.Defer
	dopts.OnWrite = in.walWritten
	in.eng = in.newEngine()
	st, rec, err := durability.Open(env.FS, in.log, dopts, loader{in.g.load()})
	if err != nil {
		return fmt.Errorf("instance: recovery: %w", err)
	}
	in.st, in.rec = st, rec
	in.epoch = max(rec.LastEpoch, in.cfg.Epoch)
	if rec.Snapshot != nil {
		in.lastSnapTS = rec.Snapshot.TS
	}
	in.log.Info("recovered", zap.Uint64("last_ts", rec.LastTS), zap.Int("wal_records", rec.Records),
		zap.Bool("torn_tail", rec.TornTail), zap.Uint64("epoch", in.epoch))
	saved, err := in.restoreState()
	if err != nil {
		return fmt.Errorf("instance: replication state: %w", err)
	}
	st.Flush(func(err error) {
		switch {
		case err != nil:
			in.fail(err)
			env.ReportReady(in.failed)
		case in.stopped:
			env.ReportReady(ErrStopped)
		default:
			in.resumeRole(saved, in.becomeReady)
		}
	})
	in.armSnapshot()
	in.armGC()
	return nil
}

// becomeReady opens the instance for queries and tells the host.
func (in *Instance) becomeReady() {
	if in.stopped {
		in.env.ReportReady(ErrStopped)
		return
	}
	in.ready = true
	in.open.Store(true)
	in.env.ReportReady(nil)
}

// newEngine builds the instance's one Cypher engine: its plan cache is
// shared by every session's handle, its wall time is the node's clock.
func (in *Instance) newEngine() *cypher.Engine {
	opts := cypher.Options{Cache: newPlanCache(in.cfg.PlanCacheSize), Rand: in.newRand(), Host: in.cfg.Host, Files: in.cfg.Files}
	if in.env.Clock != nil {
		opts.Now = in.env.Clock.Now
	}
	return cypher.NewEngine(opts)
}

// newRand draws a rand() source for the instance's engine from the node's
// seeded Env.Rand (on the loop, at Start), and the seed that sessions'
// sources derive from.
func (in *Instance) newRand() *rand.Rand {
	if in.env.Rand == nil {
		return rand.New(rand.NewPCG(1, 2))
	}
	in.sessionSeed = in.env.Rand.Uint64()
	return rand.New(rand.NewPCG(in.env.Rand.Uint64(), in.env.Rand.Uint64()))
}

// sessionRand is the rand() source of the next session: the Start seed
// and a counter, so it needs no loop (the real host opens sessions on
// connection goroutines) and is still fixed by the node's seed.
func (in *Instance) sessionRand() *rand.Rand {
	return rand.New(rand.NewPCG(in.sessionSeed, in.sessions.Add(1)))
}

// loader replays recovery into the graph.
type loader struct{ g *graph.Graph }

// LoadSnapshot applies a snapshot as one commit at its timestamp and keeps
// the graph from reusing the IDs it recorded.
func (l loader) LoadSnapshot(info durability.SnapshotInfo, ds []graph.Delta) error {
	if info.TS > 0 {
		if err := l.g.Apply(info.TS, ds); err != nil {
			return err
		}
	}
	l.g.ReserveIDs(info.NextVertexID, info.NextEdgeID)
	return nil
}

// ApplyCommit replays one WAL record.
func (l loader) ApplyCommit(r *durability.Record) error { return l.g.Apply(r.TS, r.Deltas) }

// Receive handles messages from other nodes; a standalone instance has none
// to handle yet.
func (in *Instance) Receive(from string, msg net.Message) {
	if in.main != nil && in.main.Receive(from, msg) {
		return
	}
	if in.replica != nil && in.replica.Receive(from, msg) {
		return
	}
	in.log.Debug("ignoring message", zap.String("from", from), zap.Uint16("type", msg.Type))
}

// Graph is the instance's storage, for queries. Readers begin transactions
// on it (read-only ones on any goroutine); writes go through Commit.
func (in *Instance) Graph() *graph.Graph { return in.g.load() }

// GraphStats are the graph's counts (vertices, edges, timestamps, versions).
type GraphStats = graph.Stats

// GraphStats reports the graph's counts; call it on the loop.
func (in *Instance) GraphStats() GraphStats { return in.g.Stats() }

// Recovery reports what Start recovered.
func (in *Instance) Recovery() durability.Recovery { return in.rec }

// GroupStats is the WAL's group-commit counts and commit timings, so that
// hosts read them through the instance rather than from core/durability.
type GroupStats = durability.GroupStats

// Histogram is a timing distribution inside GroupStats.
type Histogram = durability.Histogram

// WALSegmentSuffix ends the name of every WAL segment file the instance
// writes: a host's file system may treat such files specially (osfs
// reserves zeros ahead of their appends).
const WALSegmentSuffix = durability.SegmentSuffix

// GroupStats reports the WAL's group-commit counts (batch sizes, how
// gathering windows ended) and commit timings.
func (in *Instance) GroupStats() GroupStats { return in.st.GroupStats() }

// Ready reports whether the recovered state is durable and visible.
func (in *Instance) Ready() bool { return in.ready }

// Begin starts a transaction on the graph.
func (in *Instance) Begin(opts graph.TxOptions) *graph.Txn { return in.g.Begin(opts) }

// Commit commits tx: the graph assigns its timestamp, its deltas go to the
// WAL, and once the fsync covering them completes the commit becomes
// visible and done runs with its timestamp. A replica refuses a transaction
// with changes (NotALeader). A transaction without changes
// completes at once with timestamp 0. Conflicts and constraint violations
// come back from the graph unchanged (the transaction is aborted).
func (in *Instance) Commit(tx *graph.Txn, done func(ts uint64, err error)) {
	in.commitWarn(tx, nil, done)
}

// commitWarn is Commit; warn receives the replication warnings of an
// acknowledged commit.
func (in *Instance) commitWarn(tx *graph.Txn, warn func([]string), done func(ts uint64, err error)) {
	if in.role.replica && len(tx.Deltas()) > 0 {
		tx.Abort()
		done(0, errNotMain)
		return
	}
	if err := in.writable(); err != nil {
		tx.Abort()
		done(0, err)
		return
	}
	if in.term != nil { // a replication term is starting: commit in it
		in.term.waiting = append(in.term.waiting, func() { in.commitWarn(tx, warn, done) })
		return
	}
	if in.twoPhase() {
		in.commitStrict(tx, warn, done)
		return
	}
	ts, ds, err := tx.Commit()
	if err != nil || ts == 0 {
		done(ts, err)
		return
	}
	in.logWarn(ts, ds, warn, done)
}

// Log makes an already committed change durable and then visible: the tail
// of Commit, also used for the schema changes the graph commits itself
// (CreateIndex and friends return a timestamp and deltas). With a
// STRICT_SYNC replica registered it must follow the schema change at once:
// the change is then held and prepared on the replicas first (strict.go).
func (in *Instance) Log(ts uint64, ds []graph.Delta, done func(ts uint64, err error)) {
	if o := in.holdSchema(ts, ds); o != nil {
		o.wait(nil, done)
		return
	}
	in.logWarn(ts, ds, nil, done)
}

// logWarn is Log; with replicas registered the commit goes through the
// replication Main, which acknowledges it (and makes it visible) at its
// watermark, and warn receives its warnings.
func (in *Instance) logWarn(ts uint64, ds []graph.Delta, warn func([]string), done func(ts uint64, err error)) {
	if err := in.writable(); err != nil {
		done(ts, err)
		return
	}
	if in.term != nil { // a replication term is starting: the commit joins it
		in.term.waiting = append(in.term.waiting, func() { in.logWarn(ts, ds, warn, done) })
		return
	}
	if in.main != nil {
		in.replicate(ts, ds, warn, done)
		return
	}
	in.st.Append(in.epoch, ts, ds, func(err error) {
		if err != nil {
			in.fail(err)
			done(ts, fmt.Errorf("%w: %v", ErrNotDurable, err))
			return
		}
		in.acknowledge(ts)
		done(ts, nil)
	})
}

func (in *Instance) writable() error {
	switch {
	case in.stopped:
		return ErrStopped
	case in.failed != nil:
		return in.failed
	case in.fenced != nil:
		return in.fenced
	}
	return nil
}

// acknowledge makes commits up to ts visible. A refusal means the graph and
// the log disagree, which must never happen.
func (in *Instance) acknowledge(ts uint64) {
	if err := in.g.MarkAcknowledged(ts); err != nil {
		panic(fmt.Sprintf("instance: acknowledging %d: %v", ts, err))
	}
	in.wakeBookmarks()
}

// fail refuses writes from now on; only a restart recovers.
func (in *Instance) fail(err error) {
	if in.failed == nil {
		in.failed = fmt.Errorf("%w: %v", ErrNotDurable, err)
		in.log.Error("durability failed; refusing writes until restart", zap.Error(err))
	}
}

// fence is the Main's OnFenced: a newer MAIN exists, so this one refuses
// writes from now on. Its storage is sound: it is no durability failure,
// and making the instance a replica (SET REPLICATION ROLE TO REPLICA,
// after dropping its replicas) lifts it.
func (in *Instance) fence(newer replication.Epoch) {
	if in.fenced == nil {
		in.fenced = fmt.Errorf("%w: a newer MAIN (epoch %s) exists; make this instance a replica of it", ErrFenced, newer)
		in.log.Warn("a newer MAIN exists; refusing writes", zap.Stringer("newer", newer))
	}
}

// Snapshot writes a snapshot of the visible graph (CREATE SNAPSHOT) and
// calls done when it is durable.
func (in *Instance) Snapshot(done func(error)) {
	if in.stopped {
		done(ErrStopped)
		return
	}
	in.snapshot(false, done)
}

func (in *Instance) armSnapshot() {
	if in.cfg.SnapshotInterval <= 0 || in.stopped {
		return
	}
	in.snapTimer = in.env.Clock.AfterFunc(in.cfg.SnapshotInterval, func() {
		in.snapshot(true, func(err error) {
			if err != nil && !errors.Is(err, durability.ErrSnapshotInProgress) {
				in.log.Warn("periodic snapshot failed", zap.Error(err))
			}
		})
		in.armSnapshot()
	})
}

func (in *Instance) armGC() {
	if in.cfg.GCInterval <= 0 || in.stopped {
		return
	}
	in.gcTimer = in.env.Clock.AfterFunc(in.cfg.GCInterval, func() {
		in.g.CollectGarbage()
		in.armGC()
	})
}

// Stop shuts down cleanly: timers stop, new commits fail, a snapshot is
// written (unless configured off) and the WAL is synced and closed. Those
// finish through callbacks; done runs once they have, with the first error
// of the shutdown's writing (a failed final snapshot is only logged while
// the WAL holds everything; with the WAL off it is the error). A host keeps
// running the instance's loop until done runs.
func (in *Instance) Stop(done func(error)) {
	if in.stopDone {
		done(in.stopErr)
		return
	}
	in.stopWaiting = append(in.stopWaiting, done)
	if in.stopped {
		return
	}
	in.stopped = true
	in.open.Store(false)
	applier{in}.AbortSnapshot() // one being made durable goes on
	if in.main != nil {
		in.main.Stop() // the term ends: commits not yet acknowledged have an unknown outcome
	}
	in.failBookmarkWaits(errUnavailable("the instance is shutting down"))
	for _, t := range []clock.Timer{in.snapTimer, in.gcTimer, in.readSave} {
		if t != nil {
			t.Stop()
		}
	}
	if in.cfg.NoSnapshotOnStop || in.failed != nil {
		in.closeLog(nil)
		return
	}
	final := func() {
		in.snapshot(true, func(err error) {
			if err != nil {
				in.log.Warn("shutdown snapshot failed", zap.Error(err))
			}
			in.closeLog(err)
		})
	}
	if in.job != nil { // let the running snapshot finish, then take the last one
		in.job.dones = append(in.job.dones, func(error) { final() })
		return
	}
	final()
}

// closeLog closes the WAL, the last step of a clean shutdown, and reports
// the shutdown done; snapErr is the final snapshot's result.
func (in *Instance) closeLog(snapErr error) {
	in.st.Close(func(err error) {
		if err != nil {
			in.log.Warn("closing the WAL failed", zap.Error(err))
		}
		if err == nil && in.cfg.Durability.DisableWAL {
			err = snapErr // the snapshot was the only copy
		}
		in.stopDone, in.stopErr = true, err
		ws := in.stopWaiting
		in.stopWaiting = nil
		for _, f := range ws {
			f(err)
		}
	})
}
