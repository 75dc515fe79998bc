package durability

import (
	"errors"
	"fmt"

	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// ErrLogGone is returned by ReadAfter when the WAL no longer holds the
// records right after the requested timestamp (retention removed them):
// the reader needs a snapshot instead.
var ErrLogGone = errors.New("durability: the WAL no longer reaches back that far")

// ReadAfter returns up to max records (all when max <= 0) with a timestamp
// above after, in order, read back from the segment files; replication uses
// it to catch a replica up. Records appended but not yet written (a batch
// waiting for its fsync turn) are not included. The first record returned
// links to after (its PrevTS is at most after).
func (s *Store) ReadAfter(after uint64, max int) ([]Record, error) {
	var out []Record
	for i, seg := range s.segs {
		if i+1 < len(s.segs) && s.segs[i+1].firstTS <= after+1 {
			continue // wholly at or before after
		}
		data, err := s.fs.ReadFile(seg.name)
		if err != nil {
			return nil, err
		}
		sc := scanSegment(seg.name, seg.firstTS, data, i == len(s.segs)-1)
		if sc.corrupt != nil {
			return nil, sc.corrupt
		}
		for _, r := range sc.recs {
			if r.TS <= after {
				continue
			}
			if len(out) == 0 && r.PrevTS > after {
				return nil, fmt.Errorf("%w: the oldest record after %d follows %d", ErrLogGone, after, r.PrevTS)
			}
			out = append(out, r)
			if max > 0 && len(out) == max {
				return out, nil
			}
		}
	}
	return out, nil
}

// ReadSnapshot reads and validates a whole snapshot file (one of
// Store.Snapshots), for shipping it to a replica.
func ReadSnapshot(fs disk.FS, name string) (SnapshotInfo, []graph.Delta, error) {
	data, err := fs.ReadFile(name)
	if err != nil {
		return SnapshotInfo{}, nil, err
	}
	return decodeSnapshot(name, data)
}
