package server

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quiverdb/quiver/disk"
)

// fsMeter wraps the data directory's file system to meter the WAL (bytes
// appended, fsync latency) and snapshots (time from the temporary file's
// creation to its rename, and final size), without the durability code
// knowing. Snapshot and WAL files are told apart by durability's layout:
// wal/*.wal and snapshots/*.snap(.tmp).
type fsMeter struct {
	disk.FS
	now       func() time.Time
	walBytes  prometheus.Counter
	walSync   prometheus.Histogram
	snapTime  prometheus.Histogram
	snapBytes prometheus.Gauge
	snaps     prometheus.Counter
	started   map[string]time.Time // snapshot temp file -> creation; touched only on the loop
}

func newFSMeter(reg prometheus.Registerer) *fsMeter {
	m := &fsMeter{now: time.Now, started: map[string]time.Time{},
		walBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_wal_written_bytes_total",
			Help: "Bytes appended to WAL segments."}),
		walSync: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "quiver_wal_fsync_duration_seconds",
			Help: "Time from asking for a WAL fsync to its completion.", Buckets: prometheus.ExponentialBuckets(0.00005, 3, 12)}),
		snapTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "quiver_snapshot_duration_seconds",
			Help: "Time to write a snapshot, from creating its file to renaming it into place.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		snapBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "quiver_snapshot_size_bytes",
			Help: "Size of the newest snapshot written by this process."}),
		snaps: prometheus.NewCounter(prometheus.CounterOpts{Name: "quiver_snapshots_total",
			Help: "Snapshots written by this process."}),
	}
	reg.MustRegister(m.walBytes, m.walSync, m.snapTime, m.snapBytes, m.snaps)
	return m
}

// wrap returns fs metered into m.
func (m *fsMeter) wrap(fs disk.FS) disk.FS {
	m.FS = fs
	return m
}

func isWAL(name string) bool { return strings.HasSuffix(name, ".wal") }

func (m *fsMeter) Create(name string) (disk.File, error) {
	f, err := m.FS.Create(name)
	if err != nil {
		return f, err
	}
	if strings.HasSuffix(name, ".snap.tmp") {
		m.started[name] = m.now()
	}
	if isWAL(name) {
		return &walFile{File: f, m: m}, nil
	}
	return f, nil
}

func (m *fsMeter) Open(name string) (disk.File, error) {
	f, err := m.FS.Open(name)
	if err != nil || !isWAL(name) {
		return f, err
	}
	return &walFile{File: f, m: m}, nil
}

func (m *fsMeter) Rename(oldName, newName string) error {
	err := m.FS.Rename(oldName, newName)
	if t, ok := m.started[oldName]; ok {
		delete(m.started, oldName)
		if err == nil {
			m.snapTime.Observe(m.now().Sub(t).Seconds())
			m.snaps.Inc()
			if n, e := m.FS.Size(newName); e == nil {
				m.snapBytes.Set(float64(n))
			}
		}
	}
	return err
}

func (m *fsMeter) Remove(name string) error {
	delete(m.started, name)
	return m.FS.Remove(name)
}

type walFile struct {
	disk.File
	m *fsMeter
}

func (f *walFile) Append(p []byte) error {
	err := f.File.Append(p)
	if err == nil {
		f.m.walBytes.Add(float64(len(p)))
	}
	return err
}

func (f *walFile) Sync(done func(error)) {
	start := f.m.now()
	f.File.Sync(func(err error) {
		f.m.walSync.Observe(f.m.now().Sub(start).Seconds())
		done(err)
	})
}
