// Package db puts the standalone data instance (core/instance: graph, WAL,
// snapshots on the real file system) and the Cypher engine behind Bolt,
// driven from one server/loop event loop. Write transactions run on
// the loop; read-only ones run on the calling session's goroutine against an
// MVCC snapshot. It implements bolt.Backend.
package db

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
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
	g    *graph.Graph
	eng  *cypher.Engine // the loop's engine

	txs txRegistry
}

// Open recovers the data directory and starts the instance on its loop.
func Open(cfg Config) (*DB, error) {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	d := &DB{cfg: cfg, log: cfg.Log, loop: loop.New()}
	d.txs.m = map[string]*txEntry{}
	fs, err := osfs.New(cfg.Dir, d.loop.PostFunc())
	if err != nil {
		d.loop.Stop()
		return nil, fmt.Errorf("data directory %s is not usable: %w", cfg.Dir, err)
	}
	d.fs = fs
	icfg := instance.Config{SnapshotInterval: cfg.SnapshotInterval}
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
		d.g = d.in.Graph()
		d.eng = cypher.NewEngine(engineOptions())
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

// engineSeeds makes every engine's rand() source distinct.
var engineSeeds atomic.Int64

// engineOptions gives an engine the real wall clock for date(), datetime()
// and friends, and its own randomly seeded source for rand(): each engine
// runs on one goroutine (the loop's, or a session's), so none shares one.
func engineOptions() cypher.Options {
	seed := time.Now().UnixNano() ^ engineSeeds.Add(0x5851f42d4c957f2d)
	return cypher.Options{Rand: rand.New(rand.NewPCG(uint64(seed), 0x2545f4914f6cdd1d)), Now: time.Now}
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

// commitOnLoop logs the schema changes made through x, commits x and calls
// done once durable and visible. It runs on the loop.
func (d *DB) commitOnLoop(x *gtx, done func(ts uint64, err error)) {
	for _, sc := range x.schema {
		d.in.Log(sc.ts, sc.deltas, func(uint64, error) {})
	}
	d.in.Commit(x.t, func(ts uint64, err error) {
		if err == nil && ts == 0 {
			ts = d.g.VisibleTS()
		}
		done(ts, err)
	})
}

// onLoop runs f on the loop and waits for it, or fails if the loop stopped.
func (d *DB) onLoop(f func()) error {
	if !d.loop.Do(f) {
		return errors.New("the database is shutting down")
	}
	return nil
}

// onLoopReply runs f on the loop and waits for the one call f makes to
// reply, which may come later from a callback there (a commit's done): a
// single handoff back to the caller instead of one when f returns and
// another when the commit completes.
func (d *DB) onLoopReply(f func(reply func(error))) error {
	ch := make(chan error, 1)
	if !d.loop.Post(func() { f(func(err error) { ch <- err }) }) {
		return errors.New("the database is shutting down")
	}
	return <-ch
}

// snapshotNow starts CREATE SNAPSHOT on the loop; the snapshot completes in
// the background.
func (d *DB) snapshotNow() error {
	d.in.Snapshot(func(err error) {
		if err != nil {
			d.log.Warn("snapshot failed", zap.Error(err))
		} else {
			d.log.Info("snapshot written")
		}
	})
	return nil
}

// txEntry is one running transaction, for SHOW/TERMINATE TRANSACTIONS.
type txEntry struct {
	id     string
	user   string
	query  string
	cancel context.CancelFunc
}

// txRegistry tracks running transactions.
type txRegistry struct {
	mu   sync.Mutex
	next int64
	m    map[string]*txEntry
}

// add registers a transaction running query q (empty until its first
// query) that cancel terminates.
func (r *txRegistry) add(user, q string, cancel context.CancelFunc) *txEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	e := &txEntry{id: strconv.FormatInt(r.next, 10), user: user, query: q, cancel: cancel}
	r.m[e.id] = e
	return e
}

func (r *txRegistry) remove(e *txEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, e.id)
}

func (r *txRegistry) setQuery(e *txEntry, q string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.query = q
}
