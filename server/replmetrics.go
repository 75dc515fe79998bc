package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/quiverdb/quiver/core/replication"
)

// newReplicationWait registers the histogram of how long commits waited
// for replicas after MAIN's own fsync, and returns it for the database to
// observe.
func newReplicationWait(reg *prometheus.Registry) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "quiver_replication_wait_seconds",
		Help:    "Time a commit acknowledged with replicas registered waited for them after MAIN's own fsync had made it durable (0 when they had confirmed it by then): about a round trip plus a replica's apply and fsync for SYNC, nothing for ASYNC.",
		Buckets: prometheus.ExponentialBuckets(0.00005, 2, 14)})
	reg.MustRegister(h)
	return h
}

// replicaCollector exports, for each replica registered on this MAIN, its
// replication lag in transactions and in seconds and whether MAIN waits for
// it, read from the database's loop when scraped (as SHOW REPLICAS reads
// them). An instance without replicas exports none of these series.
type replicaCollector struct {
	replicas func() ([]replication.ReplicaStatus, bool)
	behind   *prometheus.Desc
	lag      *prometheus.Desc
	inSync   *prometheus.Desc
}

func newReplicaCollector(replicas func() ([]replication.ReplicaStatus, bool)) *replicaCollector {
	labels := []string{"replica", "mode"}
	return &replicaCollector{replicas: replicas,
		behind: prometheus.NewDesc("quiver_replica_behind_transactions",
			"MAIN's commits the replica has not confirmed durable (SHOW REPLICAS's behind); -1 when MAIN no longer holds them in memory to count.", labels, nil),
		lag: prometheus.NewDesc("quiver_replica_lag_seconds",
			"How long ago MAIN committed the oldest transaction the replica has not confirmed; 0 when it confirmed every commit, -1 when unknown.", labels, nil),
		inSync: prometheus.NewDesc("quiver_replica_in_sync",
			"1 when the replica is in the in-sync set, so SYNC and STRICT_SYNC commits wait for it.", labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.behind
	ch <- c.lag
	ch <- c.inSync
}

// Collect implements prometheus.Collector.
func (c *replicaCollector) Collect(ch chan<- prometheus.Metric) {
	rs, ok := c.replicas()
	if !ok {
		return
	}
	for _, r := range rs {
		lag := r.Lag.Seconds()
		if r.Lag < 0 {
			lag = -1
		}
		inSync := 0.0
		if r.InSync {
			inSync = 1
		}
		ch <- prometheus.MustNewConstMetric(c.behind, prometheus.GaugeValue, float64(r.Behind), r.Name, r.SyncMode)
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag, r.Name, r.SyncMode)
		ch <- prometheus.MustNewConstMetric(c.inSync, prometheus.GaugeValue, inSync, r.Name, r.SyncMode)
	}
}
