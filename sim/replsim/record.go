package replsim

import (
	"errors"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/net"
	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/check"
)

// termRec is one MAIN term as recorded: the host, and at its end the log
// that host held (every transaction it committed or inherited).
type termRec struct {
	host    int
	inc     uint32 // the host's incarnation it began in
	deposed bool
	until   uint64
	log     []check.Commit
	sent    map[check.CommitID]check.Commit // transactions it shipped to replicas
	read    bool                            // log was read at the term's end
	initial map[string]int64                // the registers when the term began (nil: all 0)
	// lineage numbers the run's MAIN lineages: a MAIN's restart continues
	// its lineage (same history), a failover starts a new one.
	lineage int
}

// ackAt is an acknowledged write and the term it was acknowledged in.
type ackAt struct {
	term int
	ack  check.Ack
}

// recorder keeps what the checkers judge: MAIN's terms and logs, what each
// replica applied, acknowledgements, replica reads and recoveries. Logs
// are read from the hosts' disks (durability.ReadLog: what was written,
// synced or not) whenever a host is about to lose them (a crash, a wipe,
// a promotion) and at the end.
type recorder struct {
	r          *run
	terms      []*termRec
	term       int
	ops        []*op
	acks       []ackAt
	reads      []check.ReplicaRead
	recoveries []check.Recovery
	follows    []check.Follow // every handshake a replica accepted (its Hello), in order
	disks      []uint32       // per host: how many times the operator wiped it
	promised   []uint64       // per host: the highest write MAIN acknowledged as durable on it
	durable    []uint64       // per host: the highest transaction it was seen to hold durably as a replica
	ends       map[int]logEndAt
	applied    map[string]map[check.CommitID]check.Commit
	final      map[string][]check.Commit // per replica, its log at the end
	maxWM      uint64                    // the highest watermark MAIN made visible
	idToKey    map[int64]string
	lag        lagStats
	commitAt   []tsAt // MAIN's last commit timestamp as it grew, for lag in time
}

func newRecorder(r *run) *recorder {
	return &recorder{r: r, promised: make([]uint64, len(names)), durable: make([]uint64, len(names)), disks: make([]uint32, len(names)), ends: map[int]logEndAt{}, applied: map[string]map[check.CommitID]check.Commit{},
		final: map[string][]check.Commit{}, idToKey: map[int64]string{}}
}

// beginTerm starts a MAIN term on host; failover says it starts a new
// lineage.
func (rc *recorder) beginTerm(host int, failover bool) {
	t := &termRec{host: host, inc: rc.r.hosts[host].Incarnation()}
	if n := len(rc.terms); n > 0 {
		t.lineage = rc.terms[n-1].lineage
		if failover {
			t.lineage++
		}
	}
	rc.terms = append(rc.terms, t)
	rc.term = len(rc.terms) - 1
	rc.commitAt = rc.commitAt[:0]
}

// endTerm reads the current MAIN's log; deposed says another MAIN is being
// promoted over it, whose commits from now on are not its.
func (rc *recorder) endTerm(deposed bool) {
	t := rc.terms[rc.term]
	if in := rc.r.inst(t.host); in != nil {
		t.until = in.Graph().LastCommitTS()
	}
	t.deposed = deposed
	t.log, t.read = rc.readLog(t.host), true
}

// termOf returns the index of host's latest term.
func (rc *recorder) termOf(host int) int {
	for t := len(rc.terms) - 1; t >= 0; t-- {
		if rc.terms[t].host == host {
			return t
		}
	}
	return 0
}

// current returns the index of host's term, beginning a new one in its
// lineage if the host restarted since its term began (a restarted MAIN
// takes writes in a new term).
func (rc *recorder) current(host int) int {
	t := rc.termOf(host)
	if rc.terms[t].inc != rc.r.hosts[host].Incarnation() && !rc.terms[t].deposed {
		rc.beginTerm(host, false)
		t = rc.term
	}
	return t
}

// fenced reports whether host is a deposed MAIN.
func (rc *recorder) fenced(host int) bool {
	for _, t := range rc.terms {
		if t.host == host && t.deposed {
			return true
		}
	}
	return false
}

// promise notes that MAIN acknowledged ts as durable on replica host.
func (rc *recorder) promise(host int, ts uint64) { rc.promised[host] = max(rc.promised[host], ts) }

// readLog reads host's WAL as the checkers' commits.
func (rc *recorder) readLog(host int) []check.Commit {
	fs := rc.r.hosts[host].SimDisk()
	recs, err := durability.ReadLog(fs)
	if errors.Is(err, durability.ErrLogGone) && rc.r.opts.SnapshotCatchUp {
		err = nil // snapshots retired the log's start: the whole-log checkers are off
	}
	if err != nil {
		rc.r.fail("reading %s's log: %v", names[host], err)
	}
	out := make([]check.Commit, 0, len(recs))
	for _, rec := range recs {
		out = append(out, rc.commit(rec))
	}
	return out
}

// commit turns a WAL record into a check.Commit: a digest of its deltas
// and the register writes it made.
func (rc *recorder) commit(rec durability.Record) check.Commit {
	h := fnv.New64a()
	h.Write(durability.AppendDeltas(nil, rec.Deltas))
	c := check.Commit{Epoch: rec.Epoch, TS: rec.TS, PrevTS: rec.PrevTS, Digest: h.Sum64()}
	for _, d := range rec.Deltas { // names first: a creation sets k and v together
		if s, ok := d.Value.(string); ok && d.Op == graph.OpSetVertexProp && d.Key == "k" {
			rc.idToKey[d.ID] = s
		}
	}
	for _, d := range rec.Deltas {
		if v, ok := d.Value.(int64); ok && d.Op == graph.OpSetVertexProp && d.Key == "v" {
			if k, ok := rc.idToKey[d.ID]; ok {
				c.Writes = append(c.Writes, check.RegWrite{Key: k, Value: v})
			}
		}
	}
	return c
}

// logEnd is the last timestamp in host's log while it is down (read once
// per incarnation: a down host's disk does not change).
func (rc *recorder) logEnd(host int) uint64 {
	inc := rc.r.hosts[host].Incarnation()
	if e, ok := rc.ends[host]; ok && e.inc == inc {
		return e.ts
	}
	log := rc.readLog(host)
	ts := uint64(0)
	if len(log) > 0 {
		ts = log[len(log)-1].TS
	}
	// With snapshots the log may not reach back to the first commit, and
	// then what the host holds durably cannot be read from it.
	rc.ends[host] = logEndAt{inc, ts, len(log) > 0 || !rc.r.opts.SnapshotCatchUp}
	return ts
}

// logKnown reports whether the end of down host's log is known.
func (rc *recorder) logKnown(host int) bool {
	rc.logEnd(host)
	return rc.ends[host].known
}

// logEndAt caches logEnd for one incarnation.
type logEndAt struct {
	inc   uint32
	ts    uint64
	known bool
}

// observe is the world's network filter, used only to watch: every
// transaction a MAIN ships is one it committed, even if a crash then takes
// it from its log before the log was written; every Hello a replica sends
// is a handshake it accepted, under the MAIN and epoch it now follows. It
// drops nothing.
func (rc *recorder) observe(from, _ *sim.Host, msg net.Message) bool {
	if !replication.IsReplication(msg.Type) {
		return false
	}
	m, err := replication.Decode(msg)
	if err != nil {
		return false
	}
	host := -1
	for i, h := range rc.r.hosts {
		if h == from {
			host = i
		}
	}
	if host < 0 {
		return false
	}
	switch m := m.(type) {
	case *replication.Hello:
		rc.follows = append(rc.follows, check.Follow{Replica: names[host], Disk: rc.disks[host], At: int64(rc.r.w.Now()),
			Main: m.Main, Epoch: m.Epoch.Num})
	case *replication.Append:
		rc.shipped(host, m)
	}
	return false
}

// shipped notes the transactions MAIN host shipped in a.
func (rc *recorder) shipped(host int, a *replication.Append) {
	if len(a.Txns) == 0 {
		return
	}
	t := rc.terms[rc.termOf(host)]
	if t.host != host {
		return
	}
	if t.sent == nil {
		t.sent = map[check.CommitID]check.Commit{}
	}
	for _, x := range a.Txns {
		c := rc.commit(durability.Record{Epoch: x.Epoch.Num, TS: x.TS, PrevTS: x.PrevTS, Deltas: x.Deltas})
		t.sent[c.ID()] = c
	}
}

// noteApplied reads replica host's log into what it applied.
func (rc *recorder) noteApplied(host int) []check.Commit {
	log := rc.readLog(host)
	m := rc.applied[names[host]]
	if m == nil {
		m = map[check.CommitID]check.Commit{}
		rc.applied[names[host]] = m
	}
	for _, c := range log {
		m[c.ID()] = c
	}
	return log
}

// appliedLists returns what each replica applied, in timestamp order.
func (rc *recorder) appliedLists() map[string][]check.Commit {
	out := map[string][]check.Commit{}
	for name, m := range rc.applied {
		cs := make([]check.Commit, 0, len(m))
		for _, c := range m {
			cs = append(cs, c)
		}
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].TS != cs[j].TS {
				return cs[i].TS < cs[j].TS
			}
			return cs[i].Epoch < cs[j].Epoch
		})
		out[name] = cs
	}
	return out
}

// observeWatermark raises maxWM to what the current MAIN makes visible.
func (rc *recorder) observeWatermark() {
	r := rc.r
	// Not only once ready: a restarted MAIN makes its recovered commits
	// visible, and tells its replicas, as they confirm them under its new
	// term, before it serves.
	if in := r.inst(r.main); in != nil && !in.IsReplica() {
		rc.maxWM = max(rc.maxWM, in.Graph().VisibleTS())
	}
}

// history is MAIN's commit history for the checkers: every term's log and
// the final MAIN's chain.
func (rc *recorder) history(chain []check.Commit) check.History {
	h := check.History{Chain: chain}
	for _, t := range rc.terms {
		epochs := map[uint64]bool{}
		for _, c := range t.log {
			epochs[c.Epoch] = true
		}
		commits := append([]check.Commit(nil), t.log...)
		for _, c := range t.sent {
			commits = append(commits, c)
			epochs[c.Epoch] = true
		}
		for _, e := range slices.Sorted(maps.Keys(epochs)) {
			h.Terms = append(h.Terms, check.Term{Main: names[t.host], Epoch: e, Commits: commits, Deposed: t.deposed, Until: t.until})
		}
	}
	return h
}

// tsAt is when MAIN's last commit timestamp first reached ts.
type tsAt struct {
	ts uint64
	at time.Duration
}

// lagStats measures how far ASYNC replicas trail MAIN: in transactions
// (MAIN's last commit timestamp minus what the replica holds durably) and
// in time (how long ago MAIN committed the oldest transaction the replica
// lacks), sampled every millisecond while both serve.
type lagStats struct {
	samples      int
	sumTxns      float64
	maxTxns      uint64
	sumTime      time.Duration
	maxTime      time.Duration
	behindSample int // samples in which the replica lacked something
}

// sampleLag takes one lag sample of every serving ASYNC replica.
func (rc *recorder) sampleLag() {
	r := rc.r
	m := r.inst(r.main)
	if m == nil || !r.serving(r.main) {
		return
	}
	last := m.Graph().LastCommitTS()
	if n := len(rc.commitAt); n == 0 || rc.commitAt[n-1].ts < last {
		rc.commitAt = append(rc.commitAt, tsAt{last, r.w.Now()})
	}
	modes := r.modes[r.main]
	for _, name := range slices.Sorted(maps.Keys(modes)) {
		i := indexOf(name)
		if modes[name] != check.ModeAsync || !r.serving(i) {
			continue
		}
		d := r.inst(i).ReplicaDurable()
		rc.lag.samples++
		if d >= last {
			continue
		}
		behind := last - d
		rc.lag.behindSample++
		rc.lag.sumTxns += float64(behind)
		rc.lag.maxTxns = max(rc.lag.maxTxns, behind)
		k := sort.Search(len(rc.commitAt), func(j int) bool { return rc.commitAt[j].ts > d })
		if k < len(rc.commitAt) {
			age := r.w.Now() - rc.commitAt[k].at
			rc.lag.sumTime += age
			rc.lag.maxTime = max(rc.lag.maxTime, age)
		}
	}
}

// add folds o into l.
func (l *lagStats) add(o lagStats) {
	l.samples += o.samples
	l.behindSample += o.behindSample
	l.sumTxns += o.sumTxns
	l.sumTime += o.sumTime
	l.maxTxns = max(l.maxTxns, o.maxTxns)
	l.maxTime = max(l.maxTime, o.maxTime)
}

// meanTxns and meanTime average over every sample (0 when caught up).
func (l lagStats) meanTxns() float64 {
	if l.samples == 0 {
		return 0
	}
	return l.sumTxns / float64(l.samples)
}

func (l lagStats) meanTime() time.Duration {
	if l.samples == 0 {
		return 0
	}
	return l.sumTime / time.Duration(l.samples)
}

// metrics reports the lag as the run's metrics: the mean and maximum
// number of transactions and milliseconds ASYNC replicas trailed MAIN.
func (l lagStats) metrics() []sim.Metric {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return []sim.Metric{
		{Name: "async_lag_txns_mean", Value: l.meanTxns()},
		{Name: "async_lag_txns_max", Value: float64(l.maxTxns)},
		{Name: "async_lag_ms_mean", Value: ms(l.meanTime())},
		{Name: "async_lag_ms_max", Value: ms(l.maxTime)},
	}
}
