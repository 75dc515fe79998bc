package instance

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/core/value"
)

// CodeNotALeader is the refusal of a write on a replica: drivers take it as
// "retry on the MAIN".
const CodeNotALeader = "Neo.ClientError.Cluster.NotALeader"

var (
	// errNotMain is Memgraph's message for a write on a replica, with the
	// code drivers route on.
	errNotMain  = newErr(CodeNotALeader, "Write queries are forbidden on the replica instance. Replica instances accept only read queries, while the main instance accepts read and write queries. Please retry your query on the main instance.")
	errReplInTx = newErr(CodeForbiddenInTx, "replication queries are not allowed in explicit (multi-statement) transactions; run them as auto-commit queries")
)

// role is the instance's replication role: MAIN (the default, also a
// standalone instance) or a REPLICA listening on a replication port.
type role struct {
	replica bool
	port    int
}

// String returns the role as SHOW REPLICATION ROLE prints it.
func (r role) String() string {
	if r.replica {
		return "replica"
	}
	return "main"
}

// IsReplica reports whether the instance is a replica (it refuses writes).
func (in *Instance) IsReplica() bool { return in.role.replica }

// writeGate is the check every write passes first: a replica refuses with
// NotALeader, a stopped or failed instance with its own refusal.
func (in *Instance) writeGate() *Error {
	if in.role.replica {
		return errNotMain
	}
	if err := in.writable(); err != nil {
		return in.refusal(err)
	}
	return nil
}

// runReplication runs a replication statement; it reports false when a is
// not one.
func (in *Instance) runReplication(s *Session, a cypher.AdminStmt, params value.Map, done func(*Result, error)) bool {
	switch st := a.(type) {
	case cypher.ShowReplicationRole:
		done(s.rowsResult([]string{"replication role"}, [][]value.Value{{in.role.String()}}, "r"), nil)
	case cypher.SetReplicationRole:
		in.setRole(s, st, done)
	case cypher.RegisterReplica, cypher.DropReplica, cypher.ShowReplicas:
		if !in.role.replica {
			return in.runMainReplication(s, a, params, done)
		}
		done(nil, notOnReplica(a.AdminName()))
	default:
		return false
	}
	return true
}

// setRole switches the instance's role. A MAIN with registered replicas
// must drop them before it becomes a replica. A replica listens on its
// port (the host's ReplicationPort decides). The answer comes once the new
// role is in the state file, so it survives a restart.
func (in *Instance) setRole(s *Session, st cypher.SetReplicationRole, done func(*Result, error)) {
	next := role{replica: st.Replica, port: st.Port}
	if next == in.role {
		done(s.rowsResult(nil, nil, "w"), nil)
		return
	}
	if in.term != nil {
		done(nil, errUnavailable("a replication term is starting (REGISTER REPLICA); retry"))
		return
	}
	if next.replica && in.hasReplicas() {
		done(nil, newErr(cypher.CodeSemanticError, "this MAIN has registered replicas: drop them (DROP REPLICA name) before making it a replica"))
		return
	}
	if err := in.writable(); err != nil && !(next.replica && err == in.fenced) {
		// A deposed MAIN may still become a replica: that is the way out.
		done(nil, in.refusal(err))
		return
	}
	if next.replica {
		if err := in.listen(next.port); err != nil {
			done(nil, newErr(cypher.CodeSemanticError, err.Error()))
			return
		}
	}
	if !next.replica && in.install != nil {
		if in.install.finishing {
			done(nil, errUnavailable("a snapshot from MAIN is being installed; retry in a moment"))
			return
		}
		applier{in}.AbortSnapshot()
	}
	in.log.Info("replication role changed", zap.String("from", in.role.String()), zap.String("to", next.String()),
		zap.Int("port", next.port))
	switch {
	case next.replica && in.replica == nil:
		in.fenced = nil
		in.becomeReplica("", replication.Epoch{}, 0)
	case !next.replica:
		in.becomeMain()
	}
	in.role = next
	in.saveState(func(err error) {
		if err != nil {
			done(nil, in.adminErr(err))
			return
		}
		done(s.rowsResult(nil, nil, "w"), nil)
	})
}

// listen makes the replication endpoint listen on port, through the
// host's ReplicationPort; without one, the endpoint's address must have
// that port already.
func (in *Instance) listen(port int) error {
	if in.cfg.ReplicationPort != nil {
		return in.cfg.ReplicationPort(port)
	}
	if in.env.Net == nil {
		return nil // no network: the role is all there is
	}
	addr := in.env.Net.Addr()
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return nil
	}
	if p, err := strconv.Atoi(addr[i+1:]); err == nil && p != port {
		return fmt.Errorf("this instance's replication address is %s: it cannot listen on port %d (use WITH PORT %d)", addr, port, p)
	}
	return nil
}

// adminErr is the error of a replication statement whose change could
// not be completed: its own error, or the instance's refusal.
func (in *Instance) adminErr(err error) *Error {
	var ie *Error
	if errors.As(err, &ie) {
		return ie
	}
	return in.refusal(err)
}

// notOnReplica refuses a MAIN-only replication statement on a replica.
func notOnReplica(name string) *Error {
	return newErr(cypher.CodeSemanticError, fmt.Sprintf("%s is only allowed on a MAIN instance; this instance is a replica", name))
}
