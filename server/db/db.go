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

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/disk/osfs"
	"github.com/quiverdb/quiver/server/loop"
)

// Config configures a DB.
type Config struct {
	Dir string // data directory
	// WAL false writes no WAL at all (Memgraph's --storage-wal-enabled):
	// commits persist only in snapshots (periodic, CREATE SNAPSHOT, and the
	// one at clean shutdown), and a crash loses every commit after the last.
	WAL bool
	// SyncEvery > 0 fsyncs every N commits instead of group commit.
	SyncEvery int
	// SyncDepth is how many group-commit fsyncs may be in flight (0: the
	// durability default, 2).
	SyncDepth int
	// SnapshotInterval takes a snapshot periodically (0: never).
	SnapshotInterval time.Duration
	// QueryTimeout bounds every transaction (0: none).
	QueryTimeout time.Duration
	// User and Password enable basic authentication when User is set.
	User, Password string
	// Owner says what identifies this server (its Bolt address, say) in
	// the data directory's lock file, for the error a second server gets.
	Owner string
	Log   *zap.Logger
	// WrapFS, when set, wraps the data directory's file system (the server
	// meters WAL and snapshot files through it).
	WrapFS func(disk.FS) disk.FS
	// Host tells the engine what only the host knows (version, settings,
	// memory and disk figures) for SHOW STORAGE INFO and friends.
	Host func() cypher.HostInfo
}

// DB is an open standalone instance.
type DB struct {
	cfg  Config
	log  *zap.Logger
	loop *loop.Loop
	lock *osfs.DirLock
	fs   *osfs.FS
	in   *instance.Instance
}

// Open locks the data directory (a second server on it is refused, naming
// the holder), recovers it and starts the instance on its loop. It returns
// once the instance reports its recovered state durable and visible.
func Open(cfg Config) (*DB, error) {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	lock, err := osfs.LockDir(cfg.Dir, cfg.Owner)
	if errors.Is(err, osfs.ErrInUse) {
		return nil, err // it names the directory and its holder
	}
	if err != nil {
		return nil, fmt.Errorf("data directory %s is not usable: %w", cfg.Dir, err)
	}
	d := &DB{cfg: cfg, log: cfg.Log, loop: loop.New(), lock: lock}
	fs, err := osfs.New(cfg.Dir, d.loop.PostFunc())
	if err != nil {
		d.loop.Stop()
		lock.Unlock()
		return nil, fmt.Errorf("data directory %s is not usable: %w", cfg.Dir, err)
	}
	d.fs = fs
	icfg := instance.Config{SnapshotInterval: cfg.SnapshotInterval, QueryTimeout: cfg.QueryTimeout, Host: cfg.Host}
	icfg.Durability.SyncEvery = cfg.SyncEvery
	icfg.Durability.SyncDepth = cfg.SyncDepth
	icfg.Durability.DisableWAL = !cfg.WAL
	if !cfg.WAL {
		cfg.Log.Warn("the WAL is off (--storage-wal-enabled=false): commits persist only in snapshots, and a crash loses every commit since the last one",
			zap.Duration("snapshot_interval", cfg.SnapshotInterval))
	}
	// Commits gathered in one turn of the loop go out in one write: posting
	// the flush straight onto the loop does that without a runtime timer and
	// its extra goroutine (Clock.AfterFunc(0)) on every idle commit.
	icfg.Durability.Defer = func(f func()) { d.loop.Post(f) }
	d.in = instance.New(icfg)
	var dfs disk.FS = fs
	if cfg.WrapFS != nil {
		dfs = cfg.WrapFS(fs)
	}
	ready := make(chan error, 1)
	env := node.Env{Clock: clock.NewReal(d.loop.PostFunc()), FS: dfs, Log: cfg.Log,
		Rand:  rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)),
		Ready: func(err error) { ready <- err }}
	d.loop.Do(func() {
		err = d.in.Start(env)
	})
	if err != nil {
		d.loop.Stop()
		fs.Close()
		lock.Unlock()
		return nil, fmt.Errorf("recovering %s: %w", cfg.Dir, err)
	}
	if err := d.await(ready); err != nil {
		d.Close()
		return nil, fmt.Errorf("recovering %s: the recovered state did not become durable: %w", cfg.Dir, err)
	}
	return d, nil
}

// Stats returns the graph's counts (vertices, edges, timestamps), read on
// the loop; ok is false once the database is shutting down.
func (d *DB) Stats() (st instance.GraphStats, ok bool) {
	ok = d.loop.Do(func() { st = d.in.GraphStats() })
	return st, ok
}

// lifecycleTimeout bounds how long Open waits for the recovered state to
// become durable and Close for the shutdown's writing.
const lifecycleTimeout = 30 * time.Second

// await waits for the instance's lifecycle callback to report on ch.
func (d *DB) await(ch <-chan error) error {
	t := time.NewTimer(lifecycleTimeout)
	defer t.Stop()
	select {
	case err := <-ch:
		return err
	case <-t.C:
		return fmt.Errorf("no answer from the instance within %v", lifecycleTimeout)
	}
}

// Close stops the instance cleanly (final snapshot, WAL synced and closed)
// and waits for it to report the shutdown finished.
func (d *DB) Close() {
	stopped := make(chan error, 1)
	if d.loop.Post(func() { d.in.Stop(func(err error) { stopped <- err }) }) {
		if err := d.await(stopped); err != nil {
			d.log.Warn("clean shutdown did not finish writing", zap.Error(err))
		}
	}
	d.loop.Stop()
	d.fs.Close()
	d.lock.Unlock()
}

// errShuttingDown is what a query meets once the loop has stopped.
var errShuttingDown = &bolt.Error{Code: "Neo.TransientError.General.DatabaseUnavailable", Message: "the database is shutting down"}

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
