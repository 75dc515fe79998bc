package replication

import "time"

// Replica statuses as SHOW REPLICAS prints them in data_info.
const (
	StatusReady       = "ready"       // live and holding every commit MAIN made
	StatusReplicating = "replicating" // live, with commits in flight
	StatusRecovery    = "recovery"    // catching up from the WAL or a snapshot
	StatusInvalid     = "invalid"     // not connected (unreachable, refused, failed)
	StatusDiverged    = "diverged"    // its history branched from MAIN's
)

// ReplicaStatus is one row of SHOW REPLICAS: name, socket_address,
// sync_mode, system_info and data_info ({memgraph: {behind, status, ts}}).
type ReplicaStatus struct {
	Name          string
	SocketAddress string
	SyncMode      string // sync, async or strict_sync
	// Status is one of the Status constants.
	Status string
	// Behind is the number of MAIN's commits the replica has not confirmed,
	// or -1 when MAIN cannot count them (they are no longer in memory).
	Behind int64
	// TS is the last timestamp the replica confirmed durable.
	TS uint64
	// Lag is how long ago MAIN committed the oldest transaction the replica
	// has not confirmed: 0 when it confirmed every commit, -1 when MAIN
	// cannot tell (the commit is no longer in memory). Behind and Lag are
	// the replication lag in transactions and in time.
	Lag time.Duration
	// InSync says whether MAIN waits for the replica (SYNC, STRICT_SYNC).
	InSync bool
	// Reason is the latest problem with the replica, for logs and warnings.
	Reason string
}

// Status returns one row per registered replica, sorted by name.
func (m *Main) Status() []ReplicaStatus {
	out := make([]ReplicaStatus, 0, len(m.peers))
	now := m.cfg.Clock.Monotonic()
	for _, p := range m.peers {
		behind, lag := m.lag(p.acked, now)
		out = append(out, ReplicaStatus{Name: p.name, SocketAddress: p.addr, SyncMode: p.mode.String(),
			Status: p.status(), Behind: behind, TS: p.acked, Lag: lag, InSync: p.inSync, Reason: p.reason})
	}
	return out
}

// lag counts MAIN's commits after ts and how long ago the first of them
// was made, when the tail reaches back to it (-1, -1 otherwise).
func (m *Main) lag(ts uint64, now time.Duration) (int64, time.Duration) {
	if ts >= m.last {
		return 0, 0
	}
	i, ok := m.tailAfter(ts)
	if !ok {
		return -1, -1
	}
	return int64(len(m.tail) - i), max(0, now-m.tail[i].at)
}

func (p *peer) status() string {
	switch p.state {
	case stCatchup, stSnapshot:
		return StatusRecovery
	case stLive:
		if p.acked >= p.m.last {
			return StatusReady
		}
		return StatusReplicating
	case stDiverged:
		return StatusDiverged
	}
	return StatusInvalid
}
