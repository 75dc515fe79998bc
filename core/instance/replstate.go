package instance

import (
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/net"
)

// The replication state file keeps what --replication-restore-state-on-startup
// restores: the role (and a replica's port), the epoch counter and history,
// the MAIN a replica follows, and a MAIN's registered replicas. It is small
// and rewritten whole on every change: written to a temporary file, fsynced,
// renamed over the old one, and the directory fsynced, so a crash leaves
// either the old state or the new one.
//
//	replication/state      magic "QVRS", version, fields, CRC-32C of all before it
//	replication/state.tmp  a state being written (replaced by the next write)
const (
	stateDir     = "replication"
	stateName    = "state"
	stateFile    = stateDir + "/" + stateName
	stateTmp     = stateFile + ".tmp"
	stateMagic   = 0x51565253 // "QVRS"
	stateVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// replState is the replication state as the file holds it.
type replState struct {
	replica bool
	port    int    // a replica's replication port (WITH PORT)
	epoch   uint64 // the epoch counter: the number new commits are written with
	hist    replication.History
	// main and follows are the MAIN a replica follows: main UUID and epoch.
	main    string
	follows replication.Epoch
	// readTS is how far a replica's reads went when the state was saved (a
	// lower bound of MAIN's acknowledged watermark).
	readTS   uint64
	replicas []replicaReg // a MAIN's registered replicas, by name
	// installTS and installHist: a replica is making a snapshot from MAIN
	// at installTS its storage's whole state, and installHist is that
	// snapshot's epoch history. Written before the storage switches over,
	// so that after a crash the history matches whichever state the
	// storage came back with (restoreState decides).
	installTS   uint64
	installHist replication.History
}

// replicaReg is one registered replica.
type replicaReg struct {
	name, addr string
	mode       replication.Mode
}

// encodeState renders s in the file's format.
func encodeState(s *replState) []byte {
	w := net.NewWriter(make([]byte, 0, 128))
	w.Uint32(stateMagic)
	w.Version(stateVersion)
	w.Bool(s.replica)
	w.Uvarint(uint64(s.port))
	w.Uvarint(s.epoch)
	encodeHistory(&w, s.hist)
	w.Str(s.main)
	w.Uvarint(s.follows.Num)
	w.Uint64(s.follows.ID)
	w.Uvarint(s.readTS)
	w.Count(len(s.replicas))
	for _, r := range s.replicas {
		w.Str(r.name)
		w.Str(r.addr)
		w.Uint8(uint8(r.mode))
	}
	w.Uvarint(s.installTS)
	encodeHistory(&w, s.installHist)
	w.Uint32(crc32.Checksum(w.Data(), castagnoli))
	return w.Data()
}

func encodeHistory(w *net.Writer, h replication.History) {
	w.Count(len(h))
	for _, e := range h {
		w.Uvarint(e.Epoch.Num)
		w.Uint64(e.Epoch.ID)
		w.Uvarint(e.LastTS)
	}
}

func decodeHistory(r *net.Reader) replication.History {
	var h replication.History
	for range r.Count() {
		h = append(h, replication.EpochEntry{Epoch: replication.Epoch{Num: r.Uvarint(), ID: r.Uint64()}, LastTS: r.Uvarint()})
	}
	return h
}

// errCorruptState marks a state file that cannot be decoded.
var errCorruptState = errors.New("corrupt replication state")

// decodeState parses the file's bytes; every failure wraps errCorruptState.
func decodeState(b []byte) (*replState, error) {
	if len(b) < 9 {
		return nil, fmt.Errorf("%w: %d bytes is too short", errCorruptState, len(b))
	}
	body := b[:len(b)-4]
	tail := net.NewReader(b[len(b)-4:])
	if want, got := tail.Uint32(), crc32.Checksum(body, castagnoli); want != got {
		return nil, fmt.Errorf("%w: checksum %08x, expected %08x", errCorruptState, got, want)
	}
	r := net.NewReader(body)
	if m := r.Uint32(); m != stateMagic {
		return nil, fmt.Errorf("%w: bad magic %08x", errCorruptState, m)
	}
	r.Version(stateVersion, stateVersion)
	s := &replState{replica: r.Bool(), port: int(r.Uvarint()), epoch: r.Uvarint()}
	s.hist = decodeHistory(&r)
	s.main = r.Str()
	s.follows = replication.Epoch{Num: r.Uvarint(), ID: r.Uint64()}
	s.readTS = r.Uvarint()
	for range r.Count() {
		s.replicas = append(s.replicas, replicaReg{name: r.Str(), addr: r.Str(), mode: replication.Mode(r.Uint8())})
	}
	s.installTS = r.Uvarint()
	s.installHist = decodeHistory(&r)
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorruptState, err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorruptState, err)
	}
	return s, nil
}

// check validates what the format cannot: ranges and orders.
func (s *replState) check() error {
	if s.port < 0 || s.port > 65535 {
		return fmt.Errorf("port %d out of range", s.port)
	}
	for _, h := range []replication.History{s.hist, s.installHist} {
		for i := 1; i < len(h); i++ {
			if h[i].Epoch.Num <= h[i-1].Epoch.Num || h[i].LastTS < h[i-1].LastTS {
				return fmt.Errorf("epoch history out of order at entry %d", i)
			}
		}
	}
	for _, r := range s.replicas {
		if r.mode < replication.Sync || r.mode > replication.StrictSync || r.name == "" || r.addr == "" {
			return fmt.Errorf("bad replica registration %q at %q (mode %d)", r.name, r.addr, r.mode)
		}
	}
	return nil
}

// captureState is the instance's replication state now.
func (in *Instance) captureState() *replState {
	s := &replState{replica: in.role.replica, port: in.role.port, epoch: in.epoch, hist: in.hist.Clone()}
	if in.term != nil {
		s.hist = in.term.hist.Clone()
		s.replicas = in.term.replicas
	}
	switch {
	case in.main != nil:
		s.hist = in.main.History()
		for _, st := range in.main.Status() {
			mode, _ := replication.ParseMode(st.SyncMode)
			s.replicas = append(s.replicas, replicaReg{name: st.Name, addr: st.SocketAddress, mode: mode})
		}
	case in.replica != nil:
		s.hist = in.replica.History()
		s.main, s.follows = in.replica.Following()
		s.readTS = in.replica.ReadTS()
		if p := in.pendingInstall; p != nil {
			s.installTS, s.installHist = p.ts, p.hist
		}
	}
	return s
}

// pendingInstall is a snapshot from MAIN whose history is being recorded
// before the storage switches over to it.
type pendingInstall struct {
	ts   uint64
	hist replication.History
}

// recordInstall writes the history of the snapshot at ts that the replica
// is installing to the state file, then runs next: only then may the
// storage switch over to it (see replState.installTS).
func (in *Instance) recordInstall(ts uint64, next func(error)) {
	h, ok := in.replica.Installing()
	if !ok {
		next(fmt.Errorf("instance: installing a snapshot at %d the replica is not installing", ts))
		return
	}
	in.pendingInstall = &pendingInstall{ts: ts, hist: h}
	in.saveState(next)
}

// savedHistory is the epoch history that describes the recovered storage:
// the saved one, or, when a snapshot install was under way and the
// storage came back as that snapshot, the snapshot's. The snapshot's is
// taken only when the saved history ends before it, so a snapshot of the
// replica's own at the same timestamp is never mistaken for MAIN's.
func (s *replState) savedHistory(rec durability.Recovery) replication.History {
	if s.installTS != 0 && rec.Snapshot != nil && rec.Snapshot.TS == s.installTS && s.hist.Last().LastTS < s.installTS {
		return s.installHist
	}
	return s.hist
}

// stateWriter serializes writes of the state file: one at a time, and a
// change made while one runs is written by the next.
type stateWriter struct {
	busy    bool
	waiting []func(error) // called when the write in flight is durable
	again   bool          // a write must follow the one in flight
	next    []func(error) // called when that following write is durable
}

// saveState writes the current replication state durably and then calls
// done (which may be nil) with the result. A failure to write it fails the
// instance: what is restored after a restart could no longer be trusted.
func (in *Instance) saveState(done func(error)) {
	w := &in.stw
	if w.busy {
		w.again = true
		if done != nil {
			w.next = append(w.next, done)
		}
		return
	}
	w.busy = true
	if done != nil {
		w.waiting = append(w.waiting, done)
	}
	in.writeState(encodeState(in.captureState()), in.stateWritten)
}

// stateWritten finishes one write and starts the next, if one is due.
func (in *Instance) stateWritten(err error) {
	w := &in.stw
	ws := w.waiting
	w.waiting, w.busy = nil, false
	if err != nil {
		err = fmt.Errorf("writing the replication state: %w", err)
		in.fail(err)
	}
	if w.again {
		w.again, w.busy = false, true
		w.waiting, w.next = w.next, nil
		in.writeState(encodeState(in.captureState()), in.stateWritten)
	}
	for _, f := range ws {
		f(err)
	}
}

// writeState replaces the state file atomically: temporary file, fsync,
// rename, directory fsync; done runs once that is durable (or failed).
func (in *Instance) writeState(data []byte, done func(error)) {
	fs := in.env.FS
	if fs == nil {
		done(nil) // no disk: nothing survives a restart anyway
		return
	}
	if err := fs.MkdirAll(stateDir); err != nil {
		done(err)
		return
	}
	f, err := fs.Create(stateTmp)
	if err != nil {
		done(err)
		return
	}
	if err := f.Append(data); err != nil {
		_ = f.Close() // the write already failed
		done(err)
		return
	}
	f.Sync(func(err error) {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = fs.Rename(stateTmp, stateFile)
		}
		if err != nil {
			done(err)
			return
		}
		fs.SyncDir(stateDir, done)
	})
}

// loadState reads the state file; it returns nil without one.
func (in *Instance) loadState() (*replState, error) {
	fs := in.env.FS
	if fs == nil {
		return nil, nil
	}
	if err := fs.MkdirAll(stateDir); err != nil {
		return nil, err
	}
	names, err := fs.List(stateDir)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, stateName) {
		return nil, nil
	}
	b, err := fs.ReadFile(stateFile)
	if err != nil {
		return nil, err
	}
	s, err := decodeState(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (start with the replication state restore off, --replication-restore-state-on-startup=false, to start as a standalone MAIN; the next role change rewrites the file)", stateFile, err)
	}
	return s, nil
}

// fitHistory reconciles a saved epoch history with what the WAL recovered
// (the last timestamp and its epoch number): the file is rewritten only
// when a term begins, so its newest entry may end before the WAL does, and
// an entry past the recovered end was never made durable.
func fitHistory(h replication.History, lastTS, lastEpoch uint64) replication.History {
	h = h.Upto(lastTS)
	if n := len(h); n > 0 && h[n-1].Epoch.Num == lastEpoch && h[n-1].LastTS < lastTS {
		h[n-1].LastTS = lastTS
	}
	return h
}

// restoreState reads the state file and applies its role-independent part
// at once: the epoch history, which says which terms the recovered commits
// belong to, and the epoch counter. It returns the state whose role
// resumeRole restores once recovery is durable; without the option it
// returns nil (the instance starts as a standalone MAIN, as before, and
// leaves the file alone) and a damaged file is only logged.
func (in *Instance) restoreState() (*replState, error) {
	restore := in.cfg.RestoreReplicationState
	s, err := in.loadState()
	switch {
	case err != nil && restore:
		return nil, err
	case err != nil:
		in.log.Warn("ignoring the replication state file (the role is not restored)", zap.Error(err))
		return nil, nil
	case s == nil:
		return nil, nil
	}
	in.hist = fitHistory(s.savedHistory(in.rec), in.rec.LastTS, in.rec.LastEpoch)
	in.epoch = max(in.epoch, s.epoch)
	in.followed = max(in.followed, s.follows.Num)
	if last := in.highestTerm(); last >= in.epoch {
		// That number names a term already: new commits need a new one.
		in.epoch = last + 1
	}
	in.log.Info("replication state read", zap.Bool("restore_role", restore), zap.Bool("replica", s.replica),
		zap.Int("port", s.port), zap.Uint64("epoch", in.epoch), zap.Int("history", len(in.hist)), zap.Int("replicas", len(s.replicas)))
	if !restore {
		return nil, nil
	}
	if s.replica {
		if err := in.listen(s.port); err != nil {
			return nil, fmt.Errorf("restoring the REPLICA role: %w", err)
		}
	} else if len(s.replicas) > 0 {
		if err := in.mainTransport(); err != nil {
			return nil, fmt.Errorf("restoring the MAIN's registered replicas: %w", err)
		}
	}
	return s, nil
}

// resumeRole takes up the restored role once recovery is durable, then
// calls ready. Without a saved state (or the option) the recovered commits
// become visible and the instance is a standalone MAIN. A replica shows
// what it showed when its state was saved and follows its MAIN again. A
// MAIN with replicas starts a new term, registers them again, and shows its
// recovered commits only once they are acknowledged under that term.
func (in *Instance) resumeRole(s *replState, ready func()) {
	last := in.rec.LastTS
	switch {
	case s == nil || !s.replica && len(s.replicas) == 0:
		in.acknowledge(last)
		ready()
	case s.replica:
		in.role = role{replica: true, port: s.port}
		in.becomeReplica(s.main, s.follows, min(s.readTS, last))
		in.acknowledge(min(s.readTS, last))
		if s.installTS == 0 {
			ready()
			return
		}
		// The file names a snapshot install, whose history describes the
		// storage only while that snapshot is the newest: write the history
		// restored from it before the replica writes a snapshot of its own.
		in.saveState(func(err error) {
			if err != nil {
				in.env.ReportReady(err)
				return
			}
			ready()
		})
	default:
		in.beginTerm(s.replicas, func(r replication.Result) {
			if r.Outcome != replication.Acknowledged {
				in.log.Warn("the recovered commits were not acknowledged before the term ended", zap.Error(r.Err))
				in.hideUnshown(last)
			}
			ready()
		}, func(err error) {
			if err != nil {
				in.env.ReportReady(err)
			}
		})
	}
}

// hideUnshown refuses reads when the graph shows less than last, the
// recovered end: a restarted MAIN whose term ended before acknowledging
// its recovered commits would otherwise answer from an older graph than
// the one it acknowledged writes against before its crash (an empty one,
// at worst).
func (in *Instance) hideUnshown(last uint64) {
	if in.g.VisibleTS() < last {
		in.hidden.Store(true)
	}
}
