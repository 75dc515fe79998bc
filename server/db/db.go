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
	stdnet "net"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/node"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/disk/osfs"
	qnet "github.com/quiverdb/quiver/net"
	"github.com/quiverdb/quiver/net/tcp"
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
	// QueryMemoryLimit bounds the memory one query holds, in bytes (0:
	// none); a query's QUERY MEMORY LIMIT replaces it.
	QueryMemoryLimit int64
	// MemoryLimit bounds the instance's memory in bytes (0: none): queries
	// fail rather than take the heap past it.
	MemoryLimit int64
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
	// Files is where LOAD CSV reads (the --import-directory); nil refuses
	// LOAD CSV.
	Files cypher.FileSource
	// ReplicationAddress is the "host:port" this instance listens on for
	// replication traffic and announces to its peers; empty: no
	// replication transport until one is needed. Without it, SET
	// REPLICATION ROLE TO REPLICA WITH PORT n starts the transport on
	// ReplicationHost:n, and a MAIN's first REGISTER REPLICA (or its
	// restored replicas) one on an ephemeral port of ReplicationHost.
	ReplicationAddress string
	// ReplicationHost is the host WITH PORT n and a MAIN's ephemeral
	// transport listen on (empty: every interface, as Memgraph's 0.0.0.0).
	ReplicationHost string
	// RestoreReplicationState brings the replication role, epoch history,
	// followed MAIN and registered replicas back at start
	// (--replication-restore-state-on-startup).
	RestoreReplicationState bool
	// ReplicationWait hears, on the loop, how long each commit acknowledged
	// with replicas registered waited for them after MAIN's own fsync.
	ReplicationWait func(time.Duration)
}

// DB is an open standalone instance.
type DB struct {
	cfg  Config
	log  *zap.Logger
	loop *loop.Loop
	lock *osfs.DirLock
	fs   *osfs.FS
	in   *instance.Instance
	ep   replEndpoint // the instance's endpoint: the replication transport, once there is one
	// ephemeral: the transport is the one a MAIN started on an ephemeral
	// port for its replicas' answers (set on the loop).
	ephemeral bool
	// started is set on the loop once the instance has started: messages
	// that arrive before it are dropped (the protocol retransmits).
	started bool
	// closing stops every running query and refuses new ones (shutdown).
	closing atomic.Bool
	pool    *memPool // nil: no --memory-limit
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
	// WAL appends overwrite zeros reserved ahead of them, so a commit's
	// fsync flushes data without a journal commit (see osfs.Preallocate).
	fs.Preallocate(instance.WALSegmentSuffix, walReserve)
	if cfg.MemoryLimit > 0 {
		d.pool = newMemPool(cfg.MemoryLimit)
	}
	icfg := instance.Config{SnapshotInterval: cfg.SnapshotInterval, QueryTimeout: cfg.QueryTimeout, Host: cfg.Host,
		QueryMemoryLimit: cfg.QueryMemoryLimit, Files: cfg.Files,
		RestoreReplicationState: cfg.RestoreReplicationState, ReplicationPort: d.listenReplication}
	if d.pool != nil {
		icfg.Reserve = d.pool.reserve
	}
	icfg.ReplicationWait = cfg.ReplicationWait
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
	env := node.Env{Clock: clock.NewReal(d.loop.PostFunc()), FS: dfs, Log: cfg.Log, Net: &d.ep,
		Rand:  rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)),
		Ready: func(err error) { ready <- err }}
	if cfg.ReplicationAddress != "" {
		tr, err := tcp.Listen(cfg.ReplicationAddress, d.deliver)
		if err != nil {
			d.loop.Stop()
			fs.Close()
			lock.Unlock()
			return nil, fmt.Errorf("replication address %s: %w", cfg.ReplicationAddress, err)
		}
		d.ep.tr.Store(tr)
	}
	d.loop.Do(func() {
		err = d.in.Start(env)
		d.started = err == nil
	})
	if err != nil {
		d.closeTransport()
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

// Replicas returns the state of the replicas registered on this MAIN
// (none on a replica or a standalone instance), read on the loop; ok is
// false once the database is shutting down.
func (d *DB) Replicas() (rs []replication.ReplicaStatus, ok bool) {
	ok = d.loop.Do(func() { rs = d.in.Replicas() })
	return rs, ok
}

// walReserve is how far ahead of its appends a WAL segment's file holds
// zeros: one extension (a write of this many zeros, and a journal commit
// at the next fsync) per walReserve bytes of WAL.
const walReserve = 1 << 20

// GroupStats returns the WAL's group-commit counts and commit timings, read
// on the loop; ok is false once the database is shutting down.
func (d *DB) GroupStats() (g instance.GroupStats, ok bool) {
	ok = d.loop.Do(func() { g = d.in.GroupStats() })
	return g, ok
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

// Interrupt stops every running query and refuses new ones: the first step
// of a shutdown. Commits already under way finish.
func (d *DB) Interrupt() { d.closing.Store(true) }

// refuse is the error of a query that arrives during shutdown.
func (d *DB) refuse() error {
	if d.closing.Load() {
		return boltErr(errShutdown)
	}
	return nil
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
	d.closeTransport()
	d.loop.Stop()
	d.fs.Close()
	if d.pool != nil {
		d.pool.close()
	}
	d.lock.Unlock()
}

// deliver hands a replication message to the instance on its loop.
func (d *DB) deliver(from string, msg qnet.Message) {
	d.loop.Post(func() {
		if d.started {
			d.in.Receive(from, msg)
		}
	})
}

// closeTransport stops the replication transport, if there is one.
func (d *DB) closeTransport() {
	if tr := d.ep.tr.Swap(nil); tr != nil {
		tr.Close()
	}
}

// ReplicationAddr is the address the replication transport announces, or
// "" without one.
func (d *DB) ReplicationAddr() string { return d.ep.Addr() }

// listenReplication is the instance's ReplicationPort hook (on the loop).
// Port 0 is a MAIN that needs a transport (its first REGISTER REPLICA, or
// restored replicas): any transport running will do, else one starts on
// an ephemeral port (mainTransport). Any other port is SET REPLICATION
// ROLE TO REPLICA WITH PORT port: a transport already running
// (--replication-address, or an earlier WITH PORT) must be on that port,
// except a MAIN's ephemeral one, which gives way; otherwise one starts on
// ReplicationHost:port.
func (d *DB) listenReplication(port int) error {
	if port == 0 {
		return d.mainTransport()
	}
	if tr := d.ep.tr.Load(); tr != nil && !d.ephemeral {
		_, p, err := stdnet.SplitHostPort(tr.Addr())
		if err == nil && p == strconv.Itoa(port) {
			return nil
		}
		if d.cfg.ReplicationAddress != "" {
			return fmt.Errorf("WITH PORT %d differs from --replication-address %s: use WITH PORT %s, or restart the server with another --replication-address", port, d.cfg.ReplicationAddress, p)
		}
		return fmt.Errorf("WITH PORT %d: replication already listens on %s (from an earlier WITH PORT); restart the server to change the port", port, tr.Addr())
	}
	// A MAIN's ephemeral transport gives way: a MAIN becomes a replica
	// only once it has no replicas left.
	d.closeTransport()
	addr := stdnet.JoinHostPort(d.cfg.ReplicationHost, strconv.Itoa(port))
	tr, err := tcp.Listen(addr, d.deliver)
	if err != nil {
		return fmt.Errorf("WITH PORT %d: cannot listen for replication on %s: %w", port, addr, err)
	}
	d.ep.tr.Store(tr)
	d.ephemeral = false
	d.log.Info("replication listening", zap.String("address", tr.Addr()))
	return nil
}

// mainTransport starts the transport of a MAIN that has none: on an
// ephemeral port of ReplicationHost (the Bolt host). Replicas answer the
// address MAIN announces in its hello: that host and port, or, when it
// listens on every interface, the local IP of its connection to each
// replica (a MAIN restarted on another port announces its new one, and its
// replicas follow its handshake there).
func (d *DB) mainTransport() error {
	if d.ep.tr.Load() != nil {
		return nil
	}
	host := d.cfg.ReplicationHost
	addr := stdnet.JoinHostPort(host, "0")
	tr, err := tcp.ListenConfig(addr, d.deliver, tcp.Config{AdvertiseLocalIP: host == ""})
	if err != nil {
		return fmt.Errorf("cannot listen for replies from replicas on %s: %w", addr, err)
	}
	d.ep.tr.Store(tr)
	d.ephemeral = true
	d.log.Info("replication transport of MAIN started (replicas answer on this address)", zap.String("address", tr.Addr()),
		zap.Bool("announces_local_ip", host == ""))
	return nil
}

// replEndpoint is the instance's net.Endpoint: the replication transport
// once there is one (--replication-address at start, or WITH PORT later);
// until then it has no address and drops what is sent.
type replEndpoint struct{ tr atomic.Pointer[tcp.Transport] }

// Addr is the transport's announced address, "" without one.
func (e *replEndpoint) Addr() string {
	if tr := e.tr.Load(); tr != nil {
		return tr.Addr()
	}
	return ""
}

// Send hands msg to the transport, or drops it without one.
func (e *replEndpoint) Send(to string, msg qnet.Message) {
	if tr := e.tr.Load(); tr != nil {
		tr.Send(to, msg)
	}
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
