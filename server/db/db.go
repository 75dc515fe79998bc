// Package db is the standalone data instance behind `quiver serve`: the
// graph, its WAL and snapshots on the real file system, and the Cypher
// engine, driven from one server/loop event loop. Write transactions run on
// the loop; read-only ones run on the calling session's goroutine against an
// MVCC snapshot. It implements bolt.Backend.
package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk/osfs"
	"github.com/quiverdb/quiver/server/loop"
)

// Config configures a DB.
type Config struct {
	Dir string // data directory
	// WAL enables the write-ahead log (group commit). Without it nothing
	// survives a restart except snapshots.
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
	cfg   Config
	log   *zap.Logger
	loop  *loop.Loop
	fs    *osfs.FS
	g     *graph.Graph
	store *durability.Store // nil without WAL
	eng   *cypher.Engine    // the loop's engine
	epoch uint64

	snapRunning bool
	snapTimer   *time.Timer

	txs txRegistry
}

// recoverTarget replays recovery into the graph.
type recoverTarget struct{ g *graph.Graph }

func (r recoverTarget) LoadSnapshot(info durability.SnapshotInfo, ds []graph.Delta) error {
	if info.TS > 0 {
		if err := r.g.Apply(info.TS, ds); err != nil {
			return err
		}
	}
	r.g.ReserveIDs(info.NextVertexID, info.NextEdgeID)
	return nil
}

func (r recoverTarget) ApplyCommit(rec *durability.Record) error {
	return r.g.Apply(rec.TS, rec.Deltas)
}

// Open recovers the data directory and starts the instance.
func Open(cfg Config) (*DB, error) {
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	d := &DB{cfg: cfg, log: cfg.Log, loop: loop.New(), epoch: 1}
	d.txs.m = map[string]*txEntry{}
	fs, err := osfs.New(cfg.Dir, func(f func()) { d.loop.Post(f) })
	if err != nil {
		d.loop.Stop()
		return nil, fmt.Errorf("data directory %s is not usable: %w", cfg.Dir, err)
	}
	d.fs = fs
	var openErr error
	d.loop.Do(func() { openErr = d.recover() })
	if openErr != nil {
		d.Close()
		return nil, openErr
	}
	if cfg.SnapshotInterval > 0 {
		d.armSnapshot()
	}
	return d, nil
}

// recover runs on the loop: it rebuilds the graph from the data directory.
func (d *DB) recover() error {
	d.g = graph.New(graph.Options{})
	d.eng = cypher.NewEngine(cypher.Options{Snapshot: d.snapshotNow})
	opts := durability.Options{SyncEvery: d.cfg.SyncEvery}
	st, rec, err := durability.Open(d.fs, d.log, opts, recoverTarget{d.g})
	if err != nil {
		return fmt.Errorf("recovering %s: %w", d.cfg.Dir, err)
	}
	if rec.LastTS > 0 {
		if err := d.g.MarkAcknowledged(rec.LastTS); err != nil {
			return err
		}
	}
	if rec.LastEpoch > d.epoch {
		d.epoch = rec.LastEpoch
	}
	d.store = st
	d.log.Info("recovered", zap.String("dir", d.cfg.Dir), zap.Int("wal_records", rec.Records),
		zap.Uint64("last_ts", rec.LastTS), zap.Bool("snapshot", rec.Snapshot != nil), zap.Bool("torn_tail", rec.TornTail))
	return nil
}

// Close stops the instance after flushing the WAL.
func (d *DB) Close() {
	if d.snapTimer != nil {
		d.snapTimer.Stop()
	}
	if d.store != nil {
		done := make(chan struct{})
		if d.loop.Post(func() { d.store.Close(func(error) { close(done) }) }) {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
		}
	}
	d.loop.Stop()
	if d.fs != nil {
		d.fs.Close()
	}
}

// log appends a commit to the WAL (if enabled) and acknowledges it once
// durable; done runs on the loop.
func (d *DB) logCommit(ts uint64, ds []graph.Delta, done func(error)) {
	if !d.cfg.WAL || d.store == nil {
		done(d.g.MarkAcknowledged(ts))
		return
	}
	d.store.Append(d.epoch, ts, ds, func(err error) {
		if err == nil {
			err = d.g.MarkAcknowledged(ts)
		}
		done(err)
	})
}

// commitOnLoop commits t (and any schema changes made through it) and
// calls done once durable. It runs on the loop.
func (d *DB) commitOnLoop(x *gtx, done func(ts uint64, err error)) {
	for _, sc := range x.schema {
		d.logCommit(sc.ts, sc.deltas, func(error) {})
	}
	ts, ds, err := x.t.Commit()
	if err != nil {
		done(0, err)
		return
	}
	if len(ds) == 0 {
		done(d.g.VisibleTS(), nil)
		return
	}
	d.logCommit(ts, ds, func(err error) { done(ts, err) })
}

// onLoop runs f on the loop and waits for it, or fails if the loop stopped.
func (d *DB) onLoop(f func()) error {
	if !d.loop.Do(f) {
		return errors.New("the database is shutting down")
	}
	return nil
}

// armSnapshot schedules the periodic snapshot.
func (d *DB) armSnapshot() {
	d.snapTimer = time.AfterFunc(d.cfg.SnapshotInterval, func() {
		d.loop.Post(func() {
			if err := d.snapshotNow(); err != nil && !errors.Is(err, durability.ErrSnapshotInProgress) {
				d.log.Warn("periodic snapshot failed", zap.Error(err))
			}
		})
		d.armSnapshot()
	})
}

// snapshotNow starts a snapshot on the loop (CREATE SNAPSHOT and the timer).
func (d *DB) snapshotNow() error {
	if d.store == nil {
		return errors.New("snapshots need the data directory")
	}
	if d.snapRunning {
		return durability.ErrSnapshotInProgress
	}
	t := d.g.Begin(graph.TxOptions{ReadOnly: true})
	ts := d.g.VisibleTS()
	d.snapRunning = true
	nv, ne := d.g.NextIDs()
	info := durability.SnapshotInfo{Epoch: d.epoch, TS: ts, NextVertexID: nv, NextEdgeID: ne}
	d.store.Snapshot(info, t.SnapshotDeltas, func(err error) {
		t.Abort()
		d.snapRunning = false
		if err != nil {
			d.log.Warn("snapshot failed", zap.Error(err))
		} else {
			d.log.Info("snapshot written", zap.Uint64("ts", ts))
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

func (r *txRegistry) add(user string, cancel context.CancelFunc) *txEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	e := &txEntry{id: fmt.Sprint(r.next), user: user, cancel: cancel}
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
