package durability

import (
	"fmt"

	"github.com/quiverdb/quiver/disk"
)

// ReadLog reads every valid WAL record on fs, in timestamp order, without
// changing anything: a torn tail of the last segment ends the log, as
// recovery would cut it. A checker replays the result to compare an
// instance's state with its log. It does not read snapshots, so the log
// must reach back to the first commit (no snapshot has retired a segment);
// a log that does not link up from timestamp 0 is reported as ErrLogGone.
// Corruption before the tail is a *CorruptionError.
func ReadLog(fs disk.FS) ([]Record, error) {
	names, err := fs.List(walDir)
	if err != nil {
		return nil, err
	}
	var segs []segment
	for _, n := range names {
		if ts, ok := parseTSName(n, walSuffix); ok {
			segs = append(segs, segment{name: walDir + "/" + n, firstTS: ts})
		}
	}
	var out []Record
	prev := uint64(0)
	for i, seg := range segs {
		data, err := fs.ReadFile(seg.name)
		if err != nil {
			return nil, err
		}
		sc := scanSegment(seg.name, seg.firstTS, data, i == len(segs)-1)
		if sc.corrupt != nil {
			return out, sc.corrupt
		}
		for _, r := range sc.recs {
			if r.PrevTS != prev {
				if len(out) == 0 {
					return nil, fmt.Errorf("%w: the first record (%d) follows %d", ErrLogGone, r.TS, r.PrevTS)
				}
				return out, &CorruptionError{File: seg.name, Reason: fmt.Sprintf("record %d follows %d, not %d", r.TS, r.PrevTS, prev)}
			}
			prev = r.TS
			out = append(out, r)
		}
	}
	return out, nil
}
