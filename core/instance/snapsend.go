package instance

import (
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/replication"
	"github.com/quiverdb/quiver/disk"
)

// defaultSnapshotPiece is the size of a snapshot piece sent to a replica
// unless Config.SnapshotPieceSize says otherwise.
const defaultSnapshotPiece = 256 << 10

// errNoSnapshotYet: a replica needs a snapshot and MAIN has none on disk;
// one is being written, and the replica's next handshake gets it.
var errNoSnapshotYet = errors.New("instance: no snapshot to send yet; one is being written")

// snapshotSource is MAIN's replication.Snapshots: a replica the WAL cannot
// serve gets MAIN's newest snapshot file, as it is on disk, in pieces of
// Config.SnapshotPieceSize bytes, one read per piece (the replication
// stream sends the next piece when the replica confirmed the last, so
// nothing stalls the loop and one piece at a time is held). The snapshot
// is consistent at its timestamp T, which was acknowledged when it was
// written, and retention keeps the WAL after the newest snapshot, so the
// replica continues from the WAL at T. A file retention removes while it
// is read stays readable through the open handle.
type snapshotSource struct{ in *Instance }

// OpenSnapshot implements replication.Snapshots. Without a snapshot on
// disk it starts writing one and reports errNoSnapshotYet.
func (s snapshotSource) OpenSnapshot() (replication.SnapshotReader, error) {
	in := s.in
	snaps := in.st.Snapshots()
	if len(snaps) == 0 && in.g.LastCommitTS() == 0 {
		// Nothing was ever committed: the empty state is the snapshot.
		nv, ne := in.g.NextIDs()
		data := durability.EmptySnapshot(durability.SnapshotInfo{Epoch: in.epoch, NextVertexID: nv, NextEdgeID: ne})
		return &memReader{data: data}, nil
	}
	if len(snaps) == 0 {
		in.snapshot(false, func(err error) {
			if err != nil && !errors.Is(err, durability.ErrSnapshotInProgress) {
				in.log.Warn("writing a snapshot for a replica failed", zap.Error(err))
			}
		})
		return nil, errNoSnapshotYet
	}
	info := snaps[len(snaps)-1]
	f, err := in.env.FS.Open(info.Name)
	if err != nil {
		return nil, fmt.Errorf("instance: opening snapshot %s for a replica: %w", info.Name, err)
	}
	piece := in.cfg.SnapshotPieceSize
	if piece <= 0 {
		piece = defaultSnapshotPiece
	}
	return &snapReader{f: f, name: info.Name, ts: info.TS, size: f.Size(), piece: piece}, nil
}

// snapReader reads one snapshot file in pieces.
type snapReader struct {
	f     disk.File
	name  string
	ts    uint64
	size  int64
	off   int64
	piece int
}

// TS implements replication.SnapshotReader.
func (r *snapReader) TS() uint64 { return r.ts }

// Next implements replication.SnapshotReader: one read of at most the
// piece size.
func (r *snapReader) Next() ([]byte, bool, error) {
	if r.f == nil {
		return nil, false, fmt.Errorf("instance: snapshot %s reader is closed", r.name)
	}
	n := min(int64(r.piece), r.size-r.off)
	buf := make([]byte, n)
	if _, err := r.f.ReadAt(buf, r.off); err != nil {
		return nil, false, fmt.Errorf("instance: reading snapshot %s at %d: %w", r.name, r.off, err)
	}
	r.off += n
	return buf, r.off >= r.size, nil
}

// Close implements replication.SnapshotReader.
func (r *snapReader) Close() {
	if r.f != nil {
		_ = r.f.Close() // read-only: nothing to lose
		r.f = nil
	}
}

// memReader is a snapshot held in memory (the empty one, at timestamp 0),
// sent whole as one piece.
type memReader struct {
	data []byte
	ts   uint64
}

// TS implements replication.SnapshotReader.
func (r *memReader) TS() uint64 { return r.ts }

// Next implements replication.SnapshotReader.
func (r *memReader) Next() ([]byte, bool, error) { return r.data, true, nil }

// Close implements replication.SnapshotReader.
func (r *memReader) Close() {}
