package check

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The replication checkers judge what a replication run recorded against
// MAIN's commit history: which transactions each MAIN term committed, which
// ones each replica applied, what clients were acknowledged and what
// readers on replicas saw. They take plain values, so the simulator and the
// real-process runs can both fill them in.

// ErrReplication wraps every violation the replication checkers report.
var ErrReplication = errors.New("check: replication violation")

// RegWrite is one register write a committed transaction made.
type RegWrite struct {
	Key   string
	Value int64
}

// Commit is one committed transaction as the replication checkers see it.
type Commit struct {
	Epoch  uint64 // the epoch number it was committed in
	TS     uint64 // its commit timestamp
	PrevTS uint64 // the timestamp of the transaction before it in its log
	Digest uint64 // a hash of its changes: equal digests mean the same changes
	Writes []RegWrite
}

// ID is the transaction's identity: its epoch and timestamp. Two MAIN terms
// may reuse a timestamp, never an epoch and a timestamp together (rival
// terms of one number are told apart by Digest).
func (c Commit) ID() CommitID { return CommitID{c.Epoch, c.TS} }

// String renders the commit as "epoch/ts".
func (c Commit) String() string { return c.ID().String() }

// CommitID names a transaction by its epoch and timestamp.
type CommitID struct{ Epoch, TS uint64 }

// String renders the id as "epoch/ts".
func (id CommitID) String() string { return fmt.Sprintf("%d/%d", id.Epoch, id.TS) }

// Term is what one MAIN committed in one epoch, oldest first.
type Term struct {
	Main    string // the host that was MAIN
	Epoch   uint64
	Commits []Commit
	// Deposed: another MAIN was promoted over this one (a failover), and
	// Until is the last timestamp it committed before that. Its commits
	// after Until are not MAIN's: no replica may apply them.
	Deposed bool
	Until   uint64
}

// History is MAIN's commit history over a run: every term, and the chain
// the final MAIN holds (its own log, every epoch it inherited included),
// oldest first.
type History struct {
	Terms []Term
	Chain []Commit
}

// index is a History prepared for look-ups.
type index struct {
	legit   map[CommitID][]Commit // commits some rightful MAIN made
	chain   map[CommitID]int      // position in the final chain
	byValue map[RegWrite][]Commit // legit commits by the register write they made
	next    map[CommitID]map[string]uint64
}

func newIndex(h History) *index {
	ix := &index{legit: map[CommitID][]Commit{}, chain: map[CommitID]int{}, byValue: map[RegWrite][]Commit{},
		next: map[CommitID]map[string]uint64{}}
	add := func(c Commit) {
		for _, o := range ix.legit[c.ID()] {
			if o.Digest == c.Digest && o.PrevTS == c.PrevTS {
				return
			}
		}
		ix.legit[c.ID()] = append(ix.legit[c.ID()], c)
		for _, w := range c.Writes {
			ix.byValue[w] = append(ix.byValue[w], c)
		}
	}
	for _, t := range h.Terms {
		for _, c := range t.Commits {
			if !t.Deposed || c.TS <= t.Until {
				add(c)
			}
		}
	}
	last := map[string]CommitID{}
	for i, c := range h.Chain {
		add(c)
		ix.chain[c.ID()] = i
		for _, w := range c.Writes {
			if prev, ok := last[w.Key]; ok {
				if ix.next[prev] == nil {
					ix.next[prev] = map[string]uint64{}
				}
				ix.next[prev][w.Key] = c.TS
			}
			last[w.Key] = c.ID()
		}
	}
	return ix
}

// committed reports whether c is a commit some rightful MAIN made,
// unchanged.
func (ix *index) committed(c Commit) bool {
	for _, o := range ix.legit[c.ID()] {
		if o.Digest == c.Digest && o.PrevTS == c.PrevTS {
			return true
		}
	}
	return false
}

// ReplReport counts what a replication checker examined.
type ReplReport struct {
	Checker  string
	Examined int // operations or states examined
}

// String renders the report as "checker: n examined".
func (r ReplReport) String() string { return fmt.Sprintf("%s: %d examined", r.Checker, r.Examined) }

func violation(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrReplication, fmt.Sprintf(format, args...))
}

// CheckApplied checks that every transaction a replica applied is one a
// rightful MAIN committed, unchanged: never an invented one, nor one a
// deposed MAIN committed after another was promoted over it. applied maps
// each replica to the transactions it applied (from its log).
func CheckApplied(h History, applied map[string][]Commit) (ReplReport, error) {
	rep := ReplReport{Checker: "applied-by-main"}
	ix := newIndex(h)
	for _, name := range slices.Sorted(maps.Keys(applied)) {
		for _, c := range applied[name] {
			rep.Examined++
			if !ix.committed(c) {
				return rep, violation("replica %s applied transaction %s (after %d), which MAIN did not commit", name, c, c.PrevTS)
			}
		}
	}
	return rep, nil
}

// GraphState is one instance's visible graph: its timestamp and its
// canonical hash (graph.VisibleHash).
type GraphState struct {
	Name string
	TS   uint64
	Hash uint64
}

// CheckConvergence checks that, after the faults healed, every replica's
// visible graph equals MAIN's: the same timestamp and the same canonical
// hash.
func CheckConvergence(main GraphState, replicas []GraphState) (ReplReport, error) {
	rep := ReplReport{Checker: "convergence"}
	for _, r := range replicas {
		rep.Examined++
		if r.TS != main.TS || r.Hash != main.Hash {
			return rep, violation("after healing replica %s is at %d (hash %016x), MAIN %s at %d (hash %016x)",
				r.Name, r.TS, r.Hash, main.Name, main.TS, main.Hash)
		}
	}
	if rep.Examined == 0 {
		return rep, violation("no replica to compare with MAIN %s", main.Name)
	}
	return rep, nil
}

// Replication modes, as REGISTER REPLICA names them.
const (
	ModeSync       = "SYNC"
	ModeAsync      = "ASYNC"
	ModeStrictSync = "STRICT_SYNC"
)

// AckReplica is one registered replica as it stood when a client learned
// that its write was acknowledged.
type AckReplica struct {
	Name    string
	Mode    string // ModeSync, ModeAsync or ModeStrictSync
	Warned  bool   // a warning on the acknowledgement named it
	Durable uint64 // the last transaction it held durably then
	// Unknown: what it held durably then could not be observed (it was
	// down, and its log no longer reaches back to the first commit); it is
	// not judged.
	Unknown bool
}

// Ack is one acknowledged write.
type Ack struct {
	Epoch, TS uint64
	At        int64 // when the client learned of it (virtual nanoseconds)
	Main      string
	Replicas  []AckReplica
}

// CheckAcksAtAck checks the SYNC and STRICT_SYNC promise at the moment of
// acknowledgement: every such replica that no warning names holds the
// write durably.
func CheckAcksAtAck(acks []Ack) (ReplReport, error) {
	rep := ReplReport{Checker: "acked-on-in-sync-replicas"}
	for _, a := range acks {
		for _, r := range a.Replicas {
			if r.Mode == ModeAsync || r.Warned || r.Unknown {
				continue
			}
			rep.Examined++
			if r.Durable < a.TS {
				return rep, violation("%s acknowledged write %d/%d at %d without a warning naming %s replica %s, which held only up to %d",
					a.Main, a.Epoch, a.TS, a.At, r.Mode, r.Name, r.Durable)
			}
		}
	}
	return rep, nil
}

// CheckAcksAfterHeal checks, once the faults healed and every replica
// caught up, that no acknowledged write is missing: each is in the final
// MAIN's chain (unless its MAIN was deposed by a failover, which community
// replication may lose it to: those are counted in lost), and every write
// in the chain is on every replica, whatever its mode. final maps each
// replica to the transactions it holds.
func CheckAcksAfterHeal(h History, acks []Ack, final map[string][]Commit) (rep ReplReport, lost int, err error) {
	rep = ReplReport{Checker: "acked-after-heal"}
	ix := newIndex(h)
	deposed := map[string]map[uint64]bool{}
	for _, t := range h.Terms {
		if t.Deposed {
			if deposed[t.Main] == nil {
				deposed[t.Main] = map[uint64]bool{}
			}
			deposed[t.Main][t.Epoch] = true
		}
	}
	held := map[string]map[CommitID]bool{}
	for name, cs := range final {
		held[name] = map[CommitID]bool{}
		for _, c := range cs {
			held[name][c.ID()] = true
		}
	}
	for _, a := range acks {
		id := CommitID{a.Epoch, a.TS}
		if _, ok := ix.chain[id]; !ok {
			if deposed[a.Main][a.Epoch] {
				lost++
				continue
			}
			return rep, lost, violation("write %s acknowledged by %s at %d is missing from the final MAIN's log", id, a.Main, a.At)
		}
		for _, name := range slices.Sorted(maps.Keys(final)) {
			rep.Examined++
			if !held[name][id] {
				return rep, lost, violation("write %s acknowledged by %s at %d is missing on replica %s after healing", id, a.Main, a.At, name)
			}
		}
	}
	return rep, lost, nil
}

// Recovery is what a replica recovered from its disk after a crash, and
// the highest write MAIN acknowledged as durable on it (without a warning
// naming it) before the crash.
type Recovery struct {
	Replica  string
	At       int64
	LastTS   uint64
	Promised uint64
}

// CheckRecoveries checks that a crashed replica recovered every write MAIN
// had acknowledged as durable on it.
func CheckRecoveries(rs []Recovery) (ReplReport, error) {
	rep := ReplReport{Checker: "in-sync-replica-recovery"}
	for _, r := range rs {
		rep.Examined++
		if r.LastTS < r.Promised {
			return rep, violation("replica %s recovered up to %d at %d, but MAIN had acknowledged %d as durable on it",
				r.Replica, r.LastTS, r.At, r.Promised)
		}
	}
	return rep, nil
}

// ReplicaRead is one read of a register on a replica.
type ReplicaRead struct {
	Replica string
	Life    uint32 // the replica's incarnation: reads are monotonic within one
	Key     string
	Got     int64
	Call    int64
	Return  int64
	// Bound is the acknowledged watermark: the highest timestamp MAIN had
	// made visible (acknowledgeable) by the time the read returned.
	Bound uint64
}

// CheckReplicaReads checks reads on replicas against MAIN's commit order:
// each read returns the value of a write a rightful MAIN committed; that
// write was acknowledged (at or below the watermark) when the read
// returned; and, on one replica incarnation, reads in sequence see a
// growing prefix of MAIN's log (a read never sees a value that an earlier
// read's snapshot had already overwritten). reads of one replica must be
// in the order they were issued, each returning before the next is called.
func CheckReplicaReads(h History, reads []ReplicaRead) (ReplReport, error) {
	rep := ReplReport{Checker: "replica-reads"}
	ix := newIndex(h)
	floor := map[string]uint64{} // replica/life -> lowest snapshot its next read may have
	for _, rd := range reads {
		rep.Examined++
		w := RegWrite{rd.Key, rd.Got}
		cs := ix.byValue[w]
		if len(cs) == 0 {
			return rep, violation("replica %s read %s = %d at %d, a value MAIN never committed", rd.Replica, rd.Key, rd.Got, rd.Return)
		}
		c := cs[0]
		if c.TS > rd.Bound {
			return rep, violation("replica %s read %s = %d at %d, written by transaction %s, past the acknowledged watermark %d",
				rd.Replica, rd.Key, rd.Got, rd.Return, c, rd.Bound)
		}
		if _, inChain := ix.chain[c.ID()]; !inChain {
			continue // a write the final MAIN lost in a failover: no order to check
		}
		life := fmt.Sprintf("%s/%d", rd.Replica, rd.Life)
		if next, ok := ix.next[c.ID()][rd.Key]; ok && next <= floor[life] {
			return rep, violation("replica %s read %s = %d at %d (written at %d, overwritten at %d), after a read that saw timestamp %d: not a growing prefix of MAIN's log",
				rd.Replica, rd.Key, rd.Got, rd.Return, c.TS, next, floor[life])
		}
		floor[life] = max(floor[life], c.TS)
	}
	return rep, nil
}

// Follow is one handshake a replica accepted, as its Hello showed: the
// MAIN and epoch it answered under.
type Follow struct {
	Replica string
	Disk    uint32 // the replica's disk generation: a wipe starts it afresh
	At      int64  // when it answered (virtual nanoseconds)
	Main    string
	Epoch   uint64
}

// CheckFollowedEpochs checks that no replica adopts a MAIN of an epoch
// older than one it already followed on the same disk (restarts included:
// the epoch followed is durable). follows of one replica must be in the
// order they were answered.
func CheckFollowedEpochs(follows []Follow) (ReplReport, error) {
	rep := ReplReport{Checker: "followed-epochs"}
	type newest struct {
		epoch uint64
		main  string
		at    int64
	}
	seen := map[string]newest{} // replica/disk -> the newest epoch followed
	for _, f := range follows {
		rep.Examined++
		key := fmt.Sprintf("%s/%d", f.Replica, f.Disk)
		n, ok := seen[key]
		if ok && f.Epoch < n.epoch {
			return rep, violation("replica %s followed MAIN %s of epoch %d at %d, after following %s of epoch %d at %d",
				f.Replica, f.Main, f.Epoch, f.At, n.main, n.epoch, n.at)
		}
		if !ok || f.Epoch > n.epoch {
			seen[key] = newest{f.Epoch, f.Main, f.At}
		}
	}
	return rep, nil
}

// ReplReports joins reports as one line.
func ReplReports(rs []ReplReport) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
