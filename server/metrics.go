package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
)

// queryMetrics counts queries and transactions by outcome.
type queryMetrics struct {
	queries  *prometheus.CounterVec // outcome: ok or the status code's class
	latency  prometheus.Histogram   // time to the first record (RUN)
	commits  *prometheus.CounterVec
	writable prometheus.Gauge
}

func newQueryMetrics(reg *prometheus.Registry) *queryMetrics {
	m := &queryMetrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quiver_queries_total",
			Help: "Queries run, by outcome (ok, or the failing status code)."}, []string{"outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "quiver_query_start_seconds",
			Help: "Time from RUN to the query's first result being ready.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quiver_explicit_commits_total",
			Help: "Explicit transaction commits, by outcome."}, []string{"outcome"}),
		writable: prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_writable",
			Help: "1 when this instance accepts writes now (a standalone instance always does)."}),
	}
	m.writable.Set(1)
	reg.MustRegister(m.queries, m.latency, m.commits, m.writable)
	return m
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	code, _ := bolt.Classify(err)
	return code
}

// meteredBackend counts what passes through a Backend.
type meteredBackend struct {
	bolt.Backend
	m *queryMetrics
}

func (b meteredBackend) Open(info bolt.ConnInfo) bolt.Session {
	return meteredSession{Session: b.Backend.Open(info), m: b.m}
}

type meteredSession struct {
	bolt.Session
	m *queryMetrics
}

func (s meteredSession) Run(ctx context.Context, q string, p value.Map, meta bolt.TxMeta) (bolt.Result, error) {
	start := time.Now()
	r, err := s.Session.Run(ctx, q, p, meta)
	s.m.latency.Observe(time.Since(start).Seconds())
	s.m.queries.WithLabelValues(outcome(err)).Inc()
	return r, err
}

func (s meteredSession) Begin(ctx context.Context, meta bolt.TxMeta) (bolt.Tx, error) {
	tx, err := s.Session.Begin(ctx, meta)
	if err != nil {
		return nil, err
	}
	return meteredTx{Tx: tx, m: s.m}, nil
}

type meteredTx struct {
	bolt.Tx
	m *queryMetrics
}

func (t meteredTx) Run(ctx context.Context, q string, p value.Map) (bolt.Result, error) {
	start := time.Now()
	r, err := t.Tx.Run(ctx, q, p)
	t.m.latency.Observe(time.Since(start).Seconds())
	t.m.queries.WithLabelValues(outcome(err)).Inc()
	return r, err
}

func (t meteredTx) Commit(ctx context.Context) (string, error) {
	bm, err := t.Tx.Commit(ctx)
	t.m.commits.WithLabelValues(outcome(err)).Inc()
	return bm, err
}
