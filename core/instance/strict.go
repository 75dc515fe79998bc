package instance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
)

// STRICT_SYNC on the instance's commit path.
//
// With a STRICT_SYNC replica registered (Main.TwoPhase) every write is two
// phases: the graph prepares it (graph.Txn.Prepare, or HoldSchema for a
// schema change), which checks its constraints, fixes its timestamp and
// keeps its write locks, so a conflicting writer fails fast, while
// visibility stays below it; the Main sends it to every in-sync STRICT_SYNC
// replica and decides, in timestamp order, once they all voted. On commit
// the instance commits it in the graph and hands it to replicate (WAL plus
// the Append stream), and the client hears of it once it is acknowledged:
// durable here and confirmed by every in-sync replica. On abort the graph
// rolls it back and the client gets CodeReplicationFailure with Memgraph's
// message, a transient (retryable) error: replicas commit only what the
// Append stream brings after a commit decision, so nothing was committed
// anywhere. A decided commit that the term ends under (Stop, a newer MAIN)
// before it is acknowledged has an unknown outcome (errUnacknowledged).
// Main.Prepare calls must come in timestamp order, and do: each follows
// its graph prepare at once, on the loop.

// CodeReplicationFailure is the status of a STRICT_SYNC commit that a
// replica refused or did not vote on in time: aborted everywhere, so
// retryable.
const CodeReplicationFailure = "Neo.TransientError.Cluster.ReplicationFailure"

// msgStrictAborted is Memgraph's message for an aborted STRICT_SYNC commit.
const msgStrictAborted = "Transaction was aborted on all instances."

// ErrUnacknowledged: the commit was made on this MAIN but the replication
// term ended (the instance stopped, or a newer MAIN exists) before every
// replica it waits for confirmed it, so whether it survives is unknown.
var ErrUnacknowledged = errors.New("instance: commit outcome unknown: replication ended before every waited replica confirmed it")

// twoPhase reports whether commits go through STRICT_SYNC's two phases.
func (in *Instance) twoPhase() bool { return in.main != nil && in.main.TwoPhase() }

// commitStrict commits tx in two phases; see the comment above.
func (in *Instance) commitStrict(tx *graph.Txn, warn func([]string), done func(ts uint64, err error)) {
	ts, ds, err := tx.Prepare()
	if err != nil || ts == 0 {
		tx.Abort() // nothing to commit (a failed Prepare aborted it already)
		done(0, err)
		return
	}
	in.main.Prepare(ts, ds, func(d replication.Decision) {
		if !d.Commit {
			tx.Abort()
			in.wakeBookmarks()
			done(0, strictAborted(d.Result))
			return
		}
		if _, _, err := tx.Commit(); err != nil {
			// A prepared transaction commits without another check.
			panic(fmt.Sprintf("instance: committing prepared transaction %d: %v", ts, err))
		}
		in.replicate(ts, ds, warn, done)
	})
}

// outcome is the result of a commit that began before its statement asked
// for it: a schema change the engine made mid-statement, prepared at once.
type outcome struct {
	known    bool
	ts       uint64
	err      error
	warnings []string
	waiters  []func(ts uint64, err error)
}

// resolve records the result and tells whoever waits.
func (o *outcome) resolve(ts uint64, err error) {
	o.known, o.ts, o.err = true, ts, err
	ws := o.waiters
	o.waiters = nil
	for _, f := range ws {
		f(ts, err)
	}
}

// wait calls done with the result (at once when known), and warn with the
// replication warnings of an acknowledged commit.
func (o *outcome) wait(warn func([]string), done func(ts uint64, err error)) {
	f := func(ts uint64, err error) {
		if err == nil && len(o.warnings) > 0 && warn != nil {
			warn(o.warnings)
		}
		done(ts, err)
	}
	if o.known {
		f(o.ts, o.err)
		return
	}
	o.waiters = append(o.waiters, f)
}

// holdSchema prepares the schema change the graph just made at ts (two
// phases) and returns its outcome; nil when commits are not two-phase (the
// change is then logged when its statement commits).
func (in *Instance) holdSchema(ts uint64, ds []graph.Delta) *outcome {
	if !in.twoPhase() {
		return nil
	}
	o := &outcome{}
	if err := in.writable(); err != nil {
		in.abortSchema(ts, ds)
		o.resolve(0, in.refusal(err))
		return o
	}
	if err := in.g.load().HoldSchema(ts, ds); err != nil {
		panic(fmt.Sprintf("instance: holding schema change %d: %v", ts, err))
	}
	in.main.Prepare(ts, ds, func(d replication.Decision) {
		if !d.Commit {
			if err := in.g.load().AbortSchema(ts); err != nil {
				panic(fmt.Sprintf("instance: aborting held schema change %d: %v", ts, err))
			}
			in.wakeBookmarks()
			o.resolve(0, strictAborted(d.Result))
			return
		}
		if err := in.g.load().CommitSchema(ts); err != nil {
			panic(fmt.Sprintf("instance: committing held schema change %d: %v", ts, err))
		}
		in.replicate(ts, ds, func(ws []string) { o.warnings = ws }, o.resolve)
	})
	return o
}

// abortSchema undoes a schema change the graph just made at ts that cannot
// be replicated (the instance refuses writes): held and aborted, so the
// graph is as it was.
func (in *Instance) abortSchema(ts uint64, ds []graph.Delta) {
	g := in.g.load()
	if err := g.HoldSchema(ts, ds); err == nil {
		_ = g.AbortSchema(ts)
	}
}

// strictAborted is the client's error for an aborted STRICT_SYNC commit.
func strictAborted(r replication.Result) *Error {
	why := "no reason given"
	if r.Err != nil {
		why = strings.TrimPrefix(r.Err.Error(), replication.ErrAborted.Error())
		why = strings.TrimPrefix(strings.Trim(why, " ()"), "replication: ")
	}
	return newErr(CodeReplicationFailure, msgStrictAborted+" Nothing was committed; retry the transaction. Reason: "+why+".")
}

// checkModeMix refuses a replica whose mode cannot join the registered
// ones: SYNC and STRICT_SYNC replicas do not mix, as in Memgraph (a SYNC
// replica lets MAIN go on without it while STRICT_SYNC must not commit
// without its votes, so a mixed cluster promises neither).
func (in *Instance) checkModeMix(name string, mode replication.Mode) *Error {
	if in.main == nil || mode == replication.Async {
		return nil
	}
	for _, r := range in.main.Status() {
		other, err := replication.ParseMode(r.SyncMode)
		if err != nil || other == replication.Async || other == mode {
			continue
		}
		return newErr(cypher.CodeSemanticError, fmt.Sprintf("cannot register %s replica %q: replica %q is %s, and SYNC and STRICT_SYNC replicas cannot be mixed; register it as %s or ASYNC, or drop %q first",
			strings.ToUpper(mode.String()), name, r.Name, strings.ToUpper(other.String()), strings.ToUpper(other.String()), r.Name))
	}
	return nil
}
