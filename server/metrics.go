package server

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quiverdb/quiver/bolt"
)

// queryMetrics are the query-level metrics, counted at the Bolt adapter
// when a query ends.
type queryMetrics struct {
	queries  *prometheus.CounterVec   // outcome
	errors   *prometheus.CounterVec   // code
	duration *prometheus.HistogramVec // type, outcome
	commits  *prometheus.CounterVec   // outcome
	activeTx prometheus.Gauge
	sessions prometheus.Gauge
	authFail prometheus.Counter
	writable prometheus.Gauge

	// okSeries holds, by queryType, the series of queries that ended ok
	// once the first has (a labelled series shows from its first use).
	okSeries [len(queryTypes)]atomic.Pointer[okSeries]
}

// queryTypes are the type labels of the duration histogram.
var queryTypes = [...]string{"read", "write", "read_write", "schema", "unknown"}

// okSeries are the series a query of one type that ended ok counts in.
type okSeries struct {
	queries  prometheus.Counter
	duration prometheus.Observer
}

// count counts a query that ended with outcome out after d: looking up
// the labelled series of every query would cost more than the counting.
func (m *queryMetrics) count(typ, out string, d time.Duration) {
	t := queryTypeIndex(typ)
	if out != "ok" {
		m.queries.WithLabelValues(out).Inc()
		m.duration.WithLabelValues(queryTypes[t], out).Observe(d.Seconds())
		return
	}
	s := m.okSeries[t].Load()
	if s == nil {
		s = &okSeries{queries: m.queries.WithLabelValues(out), duration: m.duration.WithLabelValues(queryTypes[t], out)}
		m.okSeries[t].Store(s)
	}
	s.queries.Inc()
	s.duration.Observe(d.Seconds())
}

func newQueryMetrics(reg *prometheus.Registry) *queryMetrics {
	m := &queryMetrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quiver_queries_total",
			Help: "Queries ended, by outcome: ok, client_error, transient_error, database_error (a failure at run time counts as its error), cancelled (abandoned by RESET, rollback or disconnect)."},
			[]string{"outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quiver_query_errors_total",
			Help: "Failed queries by the Neo4j status code the client received."}, []string{"code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "quiver_query_duration_seconds",
			Help:    "Time from RUN to the query's end (its last record and summary), by type (read, write, read_write, schema; unknown when it failed before its type was known) and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 11)}, []string{"type", "outcome"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quiver_explicit_commits_total",
			Help: "Explicit transaction commits, by outcome."}, []string{"outcome"}),
		activeTx: prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_active_transactions",
			Help: "Transactions running now: explicit ones from BEGIN to COMMIT or ROLLBACK, auto-commit queries from RUN to their end."}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_bolt_sessions",
			Help: "Authenticated Bolt sessions open now."}),
		authFail: prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_bolt_authentication_failures_total",
			Help: "HELLO or LOGON attempts refused for bad credentials."}),
		writable: prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_writable",
			Help: "1 when this instance accepts writes now (a standalone instance always does)."}),
	}
	m.writable.Set(1)
	reg.MustRegister(m.queries, m.errors, m.duration, m.commits, m.activeTx, m.sessions, m.authFail, m.writable)
	return m
}

// outcome is the outcome label of a query or commit that ended with err.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	code, _ := bolt.Classify(err)
	return codeClass(code)
}

// codeClass maps a Neo4j status code to its class label.
func codeClass(code string) string {
	switch {
	case strings.HasPrefix(code, "Neo.ClientError."):
		return "client_error"
	case strings.HasPrefix(code, "Neo.TransientError."):
		return "transient_error"
	}
	return "database_error"
}

// queryTypeIndex is the index in queryTypes of the label of a summary's
// type.
func queryTypeIndex(t string) int {
	switch t {
	case "r":
		return 0
	case "w":
		return 1
	case "rw":
		return 2
	case "s":
		return 3
	}
	return 4
}
