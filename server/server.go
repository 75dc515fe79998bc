package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/instance"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/server/db"
)

// Server is a running `quiver serve`.
type Server struct {
	cfg     Config
	log     *zap.Logger
	db      *db.DB
	bolt    *bolt.Server
	ln      net.Listener
	metrics *http.Server
	reg     *prometheus.Registry
	host    *hostInfo

	conns     prometheus.Gauge
	accepted  prometheus.Counter
	rejected  prometheus.Counter
	slots     chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	open      map[net.Conn]struct{}
	nextID    int64
	boltAddr  string
	metricsLn net.Listener
	stopOnce  sync.Once
	// closeFiles releases the import directory.
	closeFiles func()
}

// Start opens the database and the listeners. Stop (or ctx ending in Run)
// shuts them down.
func Start(cfg Config, log *zap.Logger) (*Server, error) {
	if cfg.AuthUser == "" {
		log.Warn("authentication is off: the server accepts any client (set --auth-user/--auth-password or QUIVER_USER/QUIVER_PASSWORD)")
	}
	ln, err := net.Listen("tcp", cfg.boltAddr())
	if err != nil {
		return nil, fmt.Errorf("cannot listen for Bolt on %s (is the port busy?): %w", cfg.boltAddr(), err)
	}
	s := &Server{cfg: cfg, log: log, ln: ln, slots: make(chan struct{}, cfg.MaxConnections),
		open: map[net.Conn]struct{}{}, boltAddr: ln.Addr().String()}
	s.initMetrics()
	s.host = newHostInfo(cfg)
	fsm := newFSMeter(s.reg)
	replWait := newReplicationWait(s.reg)
	files, closeFiles, err := importFiles(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.closeFiles = closeFiles
	d, err := db.Open(db.Config{Dir: cfg.DataDirectory, WAL: cfg.WALEnabled, SyncEvery: cfg.WALSyncEvery,
		SyncDepth:        cfg.WALSyncDepth,
		SnapshotInterval: cfg.SnapshotInterval, QueryTimeout: cfg.QueryTimeout,
		MemoryLimit: int64(cfg.MemoryLimit) << 20, QueryMemoryLimit: int64(cfg.QueryMemoryLimit) << 20,
		User: cfg.AuthUser, Password: cfg.AuthPassword, Owner: "bolt " + ln.Addr().String(), Log: log,
		WrapFS: func(fs disk.FS) disk.FS { return fsm.wrap(fs) }, Host: s.host.get, Files: files,
		ReplicationAddress: cfg.ReplicationAddress, ReplicationHost: replicationHost(cfg.BoltAddress),
		RestoreReplicationState: cfg.ReplicationRestoreState,
		ReplicationWait:         func(d time.Duration) { replWait.Observe(d.Seconds()) }})
	if err != nil {
		closeFiles()
		ln.Close()
		return nil, err
	}
	s.db = d
	s.registerStorageMetrics()
	obs := &observer{Backend: d, m: newQueryMetrics(s.reg), log: log, slow: cfg.SlowQuery,
		logParams: cfg.LogQueryParams, now: time.Now}
	s.bolt = &bolt.Server{Backend: obs, Agent: cfg.ServerName, Log: log, HandshakeTimeout: cfg.HandshakeDeadline}
	if cfg.MetricsEnabled {
		if err := s.startMetrics(); err != nil {
			ln.Close()
			d.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.accept()
	log.Info("quiver serving", zap.String("version", Version), zap.String("bolt", s.boltAddr),
		zap.String("metrics", s.MetricsAddr()), zap.String("data_directory", cfg.DataDirectory),
		zap.Bool("wal", cfg.WALEnabled))
	return s, nil
}

// replicationHost is where WITH PORT listens: the Bolt host when it names
// one, else every interface.
func replicationHost(bolt string) string {
	if bolt == "0.0.0.0" || bolt == "::" {
		return ""
	}
	return bolt
}

// BoltAddr is the address the Bolt listener is bound to.
func (s *Server) BoltAddr() string { return s.boltAddr }

// ReplicationAddr is the address the replication transport announces, or
// "" while there is none (no --replication-address, and neither WITH PORT
// nor a registered replica has needed one yet).
func (s *Server) ReplicationAddr() string { return s.db.ReplicationAddr() }

// MetricsAddr is the metrics listener's address, "" when disabled.
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

// Replicas returns the state of the replicas registered on this MAIN, as
// SHOW REPLICAS and the quiver_replica_* metrics report it (none when it is
// not a MAIN with replicas).
func (s *Server) Replicas() []replication.ReplicaStatus {
	rs, _ := s.db.Replicas()
	return rs
}

// GroupStats returns the WAL's group-commit counts and commit timings
// (batches, commits, commit waits and fsync times), for benchmarks.
func (s *Server) GroupStats() instance.GroupStats {
	g, _ := s.db.GroupStats()
	return g
}

// Registry is the server's Prometheus registry (what /metrics serves).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) initMetrics() {
	s.reg = prometheus.NewRegistry()
	s.conns = prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_bolt_connections", Help: "Open Bolt connections."})
	s.accepted = prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_bolt_connections_accepted_total", Help: "Bolt connections accepted."})
	s.rejected = prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_bolt_connections_rejected_total", Help: "Bolt connections refused at the connection limit."})
	s.reg.MustRegister(s.conns, s.accepted, s.rejected, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// registerStorageMetrics exports the graph's size and the host's memory
// and disk figures, read when scraped.
func (s *Server) registerStorageMetrics() {
	stat := func(f func(vertices, edges int64) int64) func() float64 {
		return func() float64 {
			st, ok := s.db.Stats()
			if !ok {
				return 0
			}
			return float64(f(st.Vertices, st.Edges))
		}
	}
	s.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "quiver_vertices", Help: "Vertices in the graph (as of the last commit)."},
			stat(func(v, _ int64) int64 { return v })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "quiver_edges", Help: "Edges in the graph (as of the last commit)."},
			stat(func(_, e int64) int64 { return e })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "quiver_memory_heap_bytes", Help: "Go heap memory in use (live objects and not yet collected garbage)."},
			func() float64 { return float64(heapInUse()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "quiver_data_directory_bytes", Help: "Size of the data directory (WAL and snapshots)."},
			func() float64 { return float64(dirSize(s.cfg.DataDirectory)) }),
		newReplicaCollector(s.db.Replicas),
	)
}

func (s *Server) startMetrics() error {
	addr := s.cfg.MetricsAddress + ":" + strconv.Itoa(s.cfg.MetricsPort)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen for metrics on %s (is the port busy?): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","role":"main","writable":true}`+"\n")
	})
	s.metricsLn = ln
	s.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.metrics.Serve(ln) }()
	return nil
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("accept failed", zap.Error(err))
			}
			return
		}
		select {
		case s.slots <- struct{}{}:
		default:
			s.rejected.Inc()
			s.log.Warn("connection refused: --bolt-max-connections reached", zap.String("remote", nc.RemoteAddr().String()),
				zap.Int("bolt_max_connections", s.cfg.MaxConnections))
			nc.Close()
			continue
		}
		s.accepted.Inc()
		s.conns.Inc()
		s.mu.Lock()
		s.nextID++
		id := "bolt-" + strconv.FormatInt(s.nextID, 10)
		s.open[nc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(nc, id)
	}
}

func (s *Server) serveConn(nc net.Conn, id string) {
	start := time.Now()
	remote := nc.RemoteAddr().String()
	s.log.Info("connection accepted", zap.String("conn", id), zap.String("remote", remote))
	defer func() {
		s.mu.Lock()
		delete(s.open, nc)
		s.mu.Unlock()
		s.conns.Dec()
		<-s.slots
		s.wg.Done()
	}()
	err := s.bolt.ServeConn(withRemote(context.Background(), id, remote), nc, id)
	fields := []zap.Field{zap.String("conn", id), zap.String("remote", remote),
		zap.Float64("duration_s", time.Since(start).Seconds())}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		fields = append(fields, zap.String("reason", err.Error()))
	}
	s.log.Info("connection closed", fields...)
}

// Stop stops taking connections and queries, interrupts the running
// queries (their transactions roll back; commits under way finish), closes
// the connections, then the database (shutdown snapshot, WAL synced).
// Later calls wait for the first to finish.
func (s *Server) Stop() { s.stopOnce.Do(s.stop) }

func (s *Server) stop() {
	s.ln.Close()
	s.db.Interrupt()
	if s.metrics != nil {
		_ = s.metrics.Close()
	}
	s.mu.Lock()
	for nc := range s.open {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.db.Close()
	s.closeFiles()
	s.log.Info("quiver stopped")
}

// Run starts the server and serves until ctx ends (the first SIGTERM or
// SIGINT in `quiver serve`), then shuts down gracefully. The shutdown ends
// within cfg.ShutdownTimeout, or as soon as force ends (a second signal):
// then Run returns ErrForced without waiting further. Acknowledged commits
// are durable before they are acknowledged, so neither loses them.
func Run(ctx, force context.Context, cfg Config, log *zap.Logger) error {
	s, err := Start(cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down: no new queries, interrupting running ones", zap.Duration("timeout", cfg.ShutdownTimeout))
	done := make(chan struct{})
	go func() { s.Stop(); close(done) }()
	t := time.NewTimer(cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-force.Done():
		log.Warn("second signal: exiting now without the shutdown snapshot")
	case <-t.C:
		log.Warn("shutdown took longer than --shutdown-timeout-sec: exiting without finishing it")
	}
	return ErrForced
}

// ErrForced says the shutdown was cut short (a second signal, or the
// shutdown timeout).
var ErrForced = errors.New("shutdown cut short")
