package durability

import (
	"errors"
	"fmt"
	"sort"

	"github.com/quiverdb/quiver/core/durability/framing"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/disk"
)

// ErrLogGone is returned by a Cursor when the WAL no longer holds the
// records it needs (retention removed the segment, or the WAL is off): the
// reader needs a snapshot instead.
var ErrLogGone = errors.New("durability: the WAL no longer reaches back that far")

// DefaultCursorChunk is the piece a Cursor reads per step unless told.
const DefaultCursorChunk = 64 << 10

// Cursor reads the WAL's records after a timestamp, in order, for
// replication to catch a replica up. Each Next is one bounded step: at most
// one ReadAt of about the chunk size (or of one record larger than that),
// so the caller runs one step per turn of its loop and commits, timers and
// messages go on between steps. Reading N records costs about their size in
// reads, plus at most one segment's prefix at the start, however long the
// log is. A Cursor resumes where it stopped, across segment rotations and
// new appends; records still buffered for their write turn are read once
// written. Not safe for concurrent use; it runs on the Store's loop.
type Cursor struct {
	s     *Store
	after uint64 // timestamp of the last record returned (or the start)
	fresh bool   // no record returned yet: the first must link to after
	chunk int

	seg      uint64 // first timestamp of the segment being read; 0 before the first
	name     string
	f        disk.File
	rd       *framing.Reader
	complete int64 // the segment's size once it is no longer written, else -1
	err      error // sticky
}

// NewCursor returns a cursor over the records after timestamp after, read
// in pieces of chunk bytes (DefaultCursorChunk when chunk <= 0).
func (s *Store) NewCursor(after uint64, chunk int) *Cursor {
	if chunk <= 0 {
		chunk = DefaultCursorChunk
	}
	return &Cursor{s: s, after: after, fresh: true, chunk: chunk, complete: -1}
}

// After is the timestamp of the last record the cursor returned (where it
// resumes).
func (c *Cursor) After() uint64 { return c.after }

// Next runs one step and returns the records it completed, in order
// (possibly none), and whether more is written and unread. Once more is
// false the caller waits for new commits before stepping again. Errors are
// sticky: ErrLogGone (wrapped) when a segment the cursor needs was
// retired, or the first record after the start does not link to it; a
// *CorruptionError naming the file and offset of damage; or an IO error.
// Records read before an error in the same step come back with it.
func (c *Cursor) Next() (recs []Record, more bool, err error) {
	if c.err != nil {
		return nil, false, c.err
	}
	recs, more, err = c.step()
	if err != nil {
		c.fail(err)
	}
	return recs, more && err == nil, err
}

// Close releases the segment file the cursor holds open.
func (c *Cursor) Close() {
	c.closeFile()
	if c.err == nil {
		c.err = ErrClosed
	}
}

func (c *Cursor) fail(err error) {
	c.err = err
	c.closeFile()
}

func (c *Cursor) closeFile() {
	if c.f != nil {
		_ = c.f.Close()
		c.f, c.rd = nil, nil
	}
}

// step makes at most one read.
func (c *Cursor) step() ([]Record, bool, error) {
	s := c.s
	if s.opts.DisableWAL {
		if c.after < s.lastTS {
			return nil, false, fmt.Errorf("%w: the WAL is off", ErrLogGone)
		}
		return nil, false, nil
	}
	for {
		i, err := c.position()
		if err != nil || i < 0 {
			return nil, false, err
		}
		if c.f == nil {
			return nil, true, c.open(i)
		}
		limit := c.limit(i)
		if c.rd.Offset() < limit {
			recs, err := c.read(limit)
			return recs, i < len(s.segs)-1 || c.rd.Offset() < c.limit(i), err
		}
		if i == len(s.segs)-1 {
			return nil, false, nil // caught up with what is written
		}
		c.closeFile() // this segment is done: on to the next, same step
		c.seg, c.complete = s.segs[i+1].firstTS, -1
	}
}

// position finds the index in the Store's segments of the one to read,
// choosing it on the first step; -1 means nothing to read yet.
func (c *Cursor) position() (int, error) {
	segs := c.s.segs
	if c.seg == 0 {
		if len(segs) == 0 {
			if c.after < c.s.lastTS {
				return -1, fmt.Errorf("%w: no WAL segment holds the records after %d", ErrLogGone, c.after)
			}
			return -1, nil
		}
		// The last segment starting at or before after+1 holds the next
		// record (or the first segment, whose first record must link).
		j := sort.Search(len(segs), func(j int) bool { return segs[j].firstTS > c.after+1 })
		c.seg = segs[max(j-1, 0)].firstTS
	}
	j := sort.Search(len(segs), func(j int) bool { return segs[j].firstTS >= c.seg })
	if j < len(segs) && segs[j].firstTS == c.seg {
		return j, nil
	}
	// Retention removed the segment: go on with the next one. Its first
	// record links to the last one read unless records were lost with the
	// segment, which decode reports as ErrLogGone.
	c.closeFile()
	if j == len(segs) {
		if c.after < c.s.lastTS {
			return -1, fmt.Errorf("%w: segment %s was retired while reading after %d", ErrLogGone, segName(c.seg), c.after)
		}
		return -1, nil
	}
	c.seg, c.complete = segs[j].firstTS, -1
	return j, nil
}

// open opens segment i and checks its header: the step's one read.
func (c *Cursor) open(i int) error {
	seg := c.s.segs[i]
	f, err := c.s.fs.Open(seg.name)
	if err != nil {
		return err
	}
	c.f, c.name = f, seg.name
	var h [segHeaderSize]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return fmt.Errorf("durability: reading %s: %w", seg.name, err)
	}
	if reason := walFormat.CheckHeader(h[:], seg.firstTS); reason != "" {
		return &CorruptionError{File: seg.name, Reason: reason}
	}
	c.rd = framing.NewReader(f, segHeaderSize, c.chunk)
	return nil
}

// limit is where segment i's whole records end: what the Store has written
// of the segment it writes, the file's size for the others.
func (c *Cursor) limit(i int) int64 {
	s := c.s
	if i == len(s.segs)-1 && s.cur != nil {
		return s.cur.Size()
	}
	if c.complete < 0 {
		size, err := s.fs.Size(c.name)
		if err != nil {
			return 0 // the read reports the missing file
		}
		c.complete = size
	}
	return c.complete
}

// read reads one piece and decodes the records after c.after in it.
func (c *Cursor) read(limit int64) ([]Record, error) {
	frames, ferr := c.rd.Next(limit)
	var recs []Record
	for _, fr := range frames {
		r, err := c.decode(fr)
		if err != nil {
			return recs, err
		}
		if r == nil {
			continue
		}
		recs = append(recs, *r)
	}
	var d *framing.Damage
	if errors.As(ferr, &d) {
		return recs, &CorruptionError{File: c.name, Offset: d.Offset, Reason: d.Reason}
	}
	return recs, ferr
}

// decode returns the frame's record, or nil when it is at or before
// c.after (only its timestamps are decoded then).
func (c *Cursor) decode(fr framing.Frame) (*Record, error) {
	rd := reader{p: fr.Body}
	rd.uvarint()
	ts, prev := rd.uvarint(), rd.uvarint()
	if rd.err != nil {
		return nil, &CorruptionError{File: c.name, Offset: fr.Off, Reason: rd.err.Error()}
	}
	if ts <= c.after {
		return nil, nil
	}
	if c.fresh && prev > c.after {
		return nil, fmt.Errorf("%w: the oldest record after %d follows %d", ErrLogGone, c.after, prev)
	}
	r, err := decodeRecordBody(fr.Body)
	if err != nil {
		return nil, &CorruptionError{File: c.name, Offset: fr.Off, Reason: err.Error()}
	}
	switch {
	case c.fresh:
	case r.PrevTS > c.after: // a stretch of history only a snapshot holds
		return nil, fmt.Errorf("%w: record %d follows %d, but the WAL ends at %d before it", ErrLogGone, r.TS, r.PrevTS, c.after)
	case r.PrevTS < c.after:
		return nil, &CorruptionError{File: c.name, Offset: fr.Off, Reason: fmt.Sprintf(
			"record %d follows %d but the last record read is %d", r.TS, r.PrevTS, c.after)}
	}
	c.fresh, c.after = false, r.TS
	return &r, nil
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
