package replication

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
	// InSync says whether MAIN waits for the replica (SYNC, STRICT_SYNC).
	InSync bool
	// Reason is the latest problem with the replica, for logs and warnings.
	Reason string
}

// Status returns one row per registered replica, sorted by name.
func (m *Main) Status() []ReplicaStatus {
	out := make([]ReplicaStatus, 0, len(m.peers))
	for _, p := range m.peers {
		out = append(out, ReplicaStatus{Name: p.name, SocketAddress: p.addr, SyncMode: p.mode.String(),
			Status: p.status(), Behind: m.behind(p.acked), TS: p.acked, InSync: p.inSync, Reason: p.reason})
	}
	return out
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

// behind counts MAIN's commits after ts, when the tail reaches back to it.
func (m *Main) behind(ts uint64) int64 {
	if ts >= m.last {
		return 0
	}
	i, ok := m.tailAfter(ts)
	if !ok {
		return -1
	}
	return int64(len(m.tail) - i)
}
