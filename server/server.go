package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/server/db"
)

func parseLevel(s string) (zapcore.Level, error) {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return zap.DebugLevel, nil
	case "INFO":
		return zap.InfoLevel, nil
	case "WARNING", "WARN":
		return zap.WarnLevel, nil
	case "ERROR":
		return zap.ErrorLevel, nil
	case "CRITICAL":
		return zap.DPanicLevel, nil
	}
	return 0, fmt.Errorf("--log-level %q is not one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL", s)
}

// NewLogger builds the production logger at the configured level.
func NewLogger(level string) (*zap.Logger, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(lvl)
	return zc.Build()
}

// Server is a running `quiver serve`.
type Server struct {
	cfg     Config
	log     *zap.Logger
	db      *db.DB
	bolt    *bolt.Server
	ln      net.Listener
	metrics *http.Server
	reg     *prometheus.Registry

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
	d, err := db.Open(db.Config{Dir: cfg.DataDirectory, WAL: cfg.WALEnabled, SyncEvery: cfg.WALSyncEvery,
		SnapshotInterval: cfg.SnapshotInterval, QueryTimeout: cfg.QueryTimeout,
		User: cfg.AuthUser, Password: cfg.AuthPassword, Owner: "bolt " + ln.Addr().String(), Log: log})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, db: d, ln: ln, slots: make(chan struct{}, cfg.MaxConnections),
		open: map[net.Conn]struct{}{}, boltAddr: ln.Addr().String()}
	s.initMetrics()
	s.bolt = &bolt.Server{Backend: meteredBackend{Backend: d, m: newQueryMetrics(s.reg)}, Agent: cfg.ServerName,
		Log: log, HandshakeTimeout: cfg.HandshakeDeadline}
	if cfg.MetricsPort != 0 {
		if err := s.startMetrics(); err != nil {
			ln.Close()
			d.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.accept()
	log.Info("quiver serving", zap.String("bolt", s.boltAddr), zap.String("data_directory", cfg.DataDirectory),
		zap.Bool("wal", cfg.WALEnabled))
	return s, nil
}

// BoltAddr is the address the Bolt listener is bound to.
func (s *Server) BoltAddr() string { return s.boltAddr }

// MetricsAddr is the metrics listener's address, "" when disabled.
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}

func (s *Server) initMetrics() {
	s.reg = prometheus.NewRegistry()
	s.conns = prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_bolt_connections", Help: "Open Bolt connections."})
	s.accepted = prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_bolt_connections_accepted_total", Help: "Bolt connections accepted."})
	s.rejected = prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_bolt_connections_rejected_total", Help: "Bolt connections refused at the connection limit."})
	s.reg.MustRegister(s.conns, s.accepted, s.rejected, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
			s.log.Warn("connection refused: --bolt-max-connections reached", zap.String("remote", nc.RemoteAddr().String()))
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
	defer func() {
		s.mu.Lock()
		delete(s.open, nc)
		s.mu.Unlock()
		s.conns.Dec()
		<-s.slots
		s.wg.Done()
	}()
	if err := s.bolt.ServeConn(context.Background(), nc, id); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Debug("connection ended", zap.String("conn", id), zap.Error(err))
	}
}

// Stop closes the listeners and connections, then the database (flushing
// its WAL).
func (s *Server) Stop() {
	s.ln.Close()
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
	s.log.Info("quiver stopped")
}

// Run starts the server and serves until ctx ends (SIGTERM/SIGINT in
// `quiver serve`), then shuts down gracefully.
func Run(ctx context.Context, cfg Config, log *zap.Logger) error {
	s, err := Start(cfg, log)
	if err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("shutting down")
	s.Stop()
	return nil
}
