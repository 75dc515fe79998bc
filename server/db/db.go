// Package db puts the standalone data instance (core/instance: graph, WAL,
// snapshots on the real file system, and its query entry point) behind
// Bolt, driven from one server/loop event loop. It is the Bolt adapter:
// goroutines, contexts, authentication, the hand-off onto the loop and the
// translation of instance errors into Bolt failures. Writes run on the
// loop; read-only work runs on the calling session's goroutine through the
// entry point's off-loop methods (instance.Session.RunRead). It
// implements bolt.Backend.
package db

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk/osfs"
	"github.com/quiverdb/quiver/server/loop"
)

// Config configures a DB.
type Config struct {
	Dir string // data directory
	// WAL false keeps writing the WAL but never fsyncs it (except at segment
	// rotation): commits are fast and a machine crash can lose them.
	WAL bool
	// SyncEvery > 0 fsyncs every N commits instead of group commit.
	SyncEvery int
	// SnapshotInterval takes a snapshot periodically (0: never).
	SnapshotInterval time.Duration
	// QueryTimeout bounds every transaction (0: none).
	QueryTimeout time.Duration
	// User and Password enable basic authentication when User is set.
	User, Password string
	Log            *zap.Logger
}

// DB is an open standalone instance.
type DB struct {
	cfg  Config
	log  *zap.Logger
	loop *loop.Loop
	fs   *osfs.FS
	in   *instance.Instance
}

// Open recovers the data directory and starts the instance on its loop.
func Open(cfg Config) (*DB, error) {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	d := &DB{cfg: cfg, log: cfg.Log, loop: loop.New()}
	fs, err := osfs.New(cfg.Dir, d.loop.PostFunc())
	if err != nil {
		d.loop.Stop()
		return nil, fmt.Errorf("data directory %s is not usable: %w", cfg.Dir, err)
	}
	d.fs = fs
	icfg := instance.Config{SnapshotInterval: cfg.SnapshotInterval, QueryTimeout: cfg.QueryTimeout}
	icfg.Durability.SyncEvery = cfg.SyncEvery
	if !cfg.WAL {
		icfg.Durability.SyncEvery = -1
	}
	// Commits gathered in one turn of the loop go out in one write: posting
	// the flush straight onto the loop does that without a runtime timer and
	// its extra goroutine (Clock.AfterFunc(0)) on every idle commit.
	icfg.Durability.Defer = func(f func()) { d.loop.Post(f) }
	d.in = instance.New(icfg)
	env := node.Env{Clock: clock.NewReal(d.loop.PostFunc()), FS: fs, Log: cfg.Log,
		Rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15))}
	d.loop.Do(func() {
		err = d.in.Start(env)
	})
	if err != nil {
		d.loop.Stop()
		fs.Close()
		return nil, fmt.Errorf("recovering %s: %w", cfg.Dir, err)
	}
	if !d.waitLoop(30*time.Second, d.in.Ready) {
		d.Close()
		return nil, fmt.Errorf("recovering %s: the recovered state did not become durable", cfg.Dir)
	}
	return d, nil
}

// waitLoop polls cond on the loop until it holds or the timeout passes.
func (d *DB) waitLoop(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ok := false
		if !d.loop.Do(func() { ok = cond() }) {
			return false
		}
		if ok {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// Close stops the instance cleanly (final snapshot, WAL synced and closed).
func (d *DB) Close() {
	if d.loop.Do(d.in.Stop) && !d.waitLoop(30*time.Second, d.in.StopDone) {
		d.log.Warn("clean shutdown did not finish writing in time")
	}
	d.loop.Stop()
	d.fs.Close()
}

// errShuttingDown is the answer once the loop has stopped.
var errShuttingDown = errors.New("the database is shutting down")

// onLoopReply runs f on the loop and waits for the one call f makes to
// reply, which may come later from a callback there (a commit's done): a
// single handoff back to the caller instead of one when f returns and
// another when the commit completes.
func (d *DB) onLoopReply(f func(reply func(error))) error {
	ch := make(chan error, 1)
	if !d.loop.Post(func() { f(func(err error) { ch <- err }) }) {
		return errShuttingDown
	}
	return <-ch
}
