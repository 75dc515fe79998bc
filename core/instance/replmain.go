package instance

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
)

// defaultReplicaPort is Memgraph's replication port when REGISTER REPLICA
// names only a host.
const defaultReplicaPort = "10000"

// codeReplicaWarning is the notification a commit carries when a SYNC
// replica was not in the in-sync set when it was acknowledged.
const codeReplicaWarning = "Quiver.Replication.ReplicaNotInSync"

// runMainReplication runs REGISTER REPLICA, DROP REPLICA and SHOW REPLICAS
// on a MAIN; it reports false for any other statement.
func (in *Instance) runMainReplication(s *Session, a cypher.AdminStmt, params value.Map, done func(*Result, error)) bool {
	switch st := a.(type) {
	case cypher.RegisterReplica:
		done(in.registerReplica(s, st, params))
	case cypher.DropReplica:
		done(in.dropReplica(s, st))
	case cypher.ShowReplicas:
		done(s.rowsResult([]string{"name", "socket_address", "sync_mode", "system_info", "data_info"}, in.replicaRows(), "r"), nil)
	default:
		return false
	}
	return true
}

// registerReplica adds a replica, starting the replication term at the
// first one.
func (in *Instance) registerReplica(s *Session, st cypher.RegisterReplica, params value.Map) (*Result, error) {
	addr, err := adminString(st.Address, params)
	if err != nil {
		return nil, err
	}
	if addr == "" || strings.Count(addr, ":") > 1 {
		return nil, newErr(cypher.CodeSemanticError, fmt.Sprintf("invalid replica address %q: expected \"host\" or \"host:port\"", addr))
	}
	if !strings.Contains(addr, ":") {
		addr += ":" + defaultReplicaPort
	}
	mode, err := replication.ParseMode(st.Mode)
	if err != nil {
		return nil, newErr(cypher.CodeSemanticError, err.Error())
	}
	if mode == replication.StrictSync {
		// Two-phase commit needs Main.Prepare before the local commit,
		// which this instance's write path does not do yet.
		return nil, newErr(cypher.CodeSemanticError, "STRICT_SYNC replicas are not supported by this instance yet; register the replica as SYNC or ASYNC")
	}
	if in.env.Net == nil {
		return nil, newErr(cypher.CodeSemanticError, "this instance has no network to replicate over")
	}
	if err := in.writable(); err != nil {
		return nil, in.refusal(err)
	}
	if in.main == nil {
		if in.g.VisibleTS() < in.g.LastCommitTS() {
			// The term starts at the last commit, which the Main takes as
			// durable: wait until it is.
			return nil, errUnavailable("commits are still being made durable; retry REGISTER REPLICA")
		}
		in.startMain()
	}
	if err := in.main.Register(st.Name, addr, mode); err != nil {
		return nil, newErr(cypher.CodeSemanticError, strings.TrimPrefix(err.Error(), "replication: "))
	}
	return s.rowsResult(nil, nil, "w"), nil
}

// dropReplica removes a registered replica.
func (in *Instance) dropReplica(s *Session, st cypher.DropReplica) (*Result, error) {
	if in.main == nil {
		return nil, newErr(cypher.CodeSemanticError, fmt.Sprintf("no replica named %q is registered", st.Name))
	}
	if err := in.main.Drop(st.Name); err != nil {
		return nil, newErr(cypher.CodeSemanticError, strings.TrimPrefix(err.Error(), "replication: "))
	}
	return s.rowsResult(nil, nil, "w"), nil
}

// replicaRows renders Main.Status as SHOW REPLICAS's rows.
func (in *Instance) replicaRows() [][]value.Value {
	if in.main == nil {
		return nil
	}
	st := in.main.Status()
	rows := make([][]value.Value, 0, len(st))
	for _, r := range st {
		data := value.Map{"memgraph": value.Map{"behind": r.Behind, "status": r.Status, "ts": int64(r.TS)}}
		rows = append(rows, []value.Value{r.Name, r.SocketAddress, r.SyncMode, nil, data})
	}
	return rows
}

// startMain begins this instance's replication term: from now on every
// commit goes through the Main, which decides when it is acknowledged.
// The term starts at the last committed timestamp, which must be durable
// and visible already (registerReplica refuses, retryably, until it is).
func (in *Instance) startMain() {
	rng := in.env.Rand
	in.mainUUID = fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
	in.main = replication.NewMain(replication.MainConfig{
		UUID:        in.mainUUID,
		Epoch:       replication.Epoch{Num: in.epoch, ID: rng.Uint64()},
		History:     in.hist,
		LastTS:      in.g.LastCommitTS(),
		Clock:       in.env.Clock,
		Net:         in.env.Net,
		Rand:        rng,
		Log:         replication.StoreLog{Store: in.st},
		Snapshots:   snapshotSource{in},
		Tuning:      in.cfg.Replication,
		OnWatermark: in.acknowledge,
		OnFenced: func(newer replication.Epoch) {
			in.fail(fmt.Errorf("a newer MAIN (epoch %s) exists", newer))
		},
		Logger: in.log,
	})
}

// hasReplicas reports whether replicas are registered on this MAIN.
func (in *Instance) hasReplicas() bool { return in.main != nil && len(in.main.Status()) > 0 }

// replicate hands a locally committed transaction to the Main (in
// timestamp order) and appends it to the WAL; done runs once the Main
// acknowledges it, with the warnings naming SYNC replicas that were out of
// the in-sync set.
func (in *Instance) replicate(ts uint64, ds []graph.Delta, warn func([]string), done func(ts uint64, err error)) {
	m := in.main
	in.st.Append(in.epoch, ts, ds, func(err error) {
		if err != nil {
			in.fail(err)
			m.Stop() // every pending commit's outcome is unknown
			return
		}
		m.Durable(ts)
	})
	m.Commit(ts, ds, func(r replication.Result) {
		if r.Outcome == replication.Acknowledged {
			if len(r.Warnings) > 0 && warn != nil {
				warn(r.Warnings)
			}
			done(ts, nil)
			return
		}
		if in.failed != nil {
			done(ts, fmt.Errorf("%w: %v", ErrNotDurable, in.failed))
			return
		}
		done(ts, fmt.Errorf("%w: %v", ErrNotDurable, r.Err))
	})
}

// replicaNotifications turns replication warnings into notifications.
func replicaNotifications(ws []string) []Notification {
	out := make([]Notification, 0, len(ws))
	for _, w := range ws {
		out = append(out, Notification{Code: codeReplicaWarning, Title: "A SYNC replica did not confirm the commit", Description: w})
	}
	return out
}
