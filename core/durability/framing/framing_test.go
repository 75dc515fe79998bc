package framing

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

var testFormat = Format{Magic: [4]byte{'T', 'E', 'S', 'T'}, Version: 1, SubVersion: 2}

// segment builds a segment of testFormat holding the given bodies.
func segment(first uint64, bodies ...[]byte) []byte {
	b := testFormat.AppendHeader(nil, first)
	for _, body := range bodies {
		b = Append(b, func(dst []byte) []byte { return append(dst, body...) })
	}
	return b
}

func TestScanSegmentTornAndCorrupt(t *testing.T) {
	bodies := [][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 300), {}, []byte("raft entry")}
	seg := segment(7, bodies...)
	var got [][]byte
	sc := testFormat.ScanSegment(seg, 7, true, func(_ int64, body []byte) error {
		got = append(got, body)
		return nil
	})
	if sc.Frames != 4 || sc.Torn != "" || sc.Bad != nil || sc.End != int64(len(seg)) || fmt.Sprint(got) != fmt.Sprint(bodies) {
		t.Fatalf("whole segment: %+v, %q", sc, got)
	}
	cut := seg[:len(seg)-3]
	if sc := testFormat.ScanSegment(cut, 7, true, func(int64, []byte) error { return nil }); sc.Torn == "" || sc.Frames != 3 {
		t.Fatalf("cut last segment: %+v", sc)
	}
	if sc := testFormat.ScanSegment(cut, 7, false, func(int64, []byte) error { return nil }); sc.Bad == nil {
		t.Fatalf("cut segment that is not the last: %+v", sc)
	}
	if r := testFormat.CheckHeader(seg, 8); r == "" {
		t.Fatal("header with the wrong first key accepted")
	}
	other := Format{Magic: [4]byte{'Q', 'W', 'A', 'L'}, Version: 1, SubVersion: 2}
	if r := other.CheckHeader(seg, 7); r == "" {
		t.Fatal("header of another format accepted")
	}
}

// readAll runs a Reader over data (a segment) to its end.
func readAll(data []byte, chunk int) (frames []Frame, calls int, bad *Damage) {
	rd := NewReader(bytes.NewReader(data), SegmentHeaderSize, chunk)
	for calls = 1; calls < 1<<20; calls++ {
		fs, err := rd.Next(int64(len(data)))
		frames = append(frames, fs...)
		if err != nil {
			d, ok := err.(*Damage)
			if !ok {
				panic(err)
			}
			return frames, calls, d
		}
		if rd.Offset() >= int64(len(data)) {
			return frames, calls, nil
		}
		if len(fs) == 0 && rd.need == 0 && rd.hi-rd.lo >= HeaderSize {
			panic("no progress")
		}
	}
	panic("reader does not end")
}

func TestReaderPiecesAndBigFrames(t *testing.T) {
	bodies := [][]byte{bytes.Repeat([]byte("x"), 5000), []byte("s"), bytes.Repeat([]byte("y"), 100)}
	seg := segment(1, bodies...)
	for _, chunk := range []int{1, 12, 13, 64, 4096, 1 << 20} {
		frames, calls, bad := readAll(seg, chunk)
		if bad != nil || len(frames) != 3 {
			t.Fatalf("chunk %d: %d frames, %v", chunk, len(frames), bad)
		}
		// Bodies are valid only until the next call; compare sizes here and
		// contents with a fresh read below.
		if calls > len(seg)/max(chunk, MinChunk)+4 {
			t.Errorf("chunk %d: %d calls for %d bytes", chunk, calls, len(seg))
		}
	}
	rd := NewReader(bytes.NewReader(seg), SegmentHeaderSize, 64)
	var got [][]byte
	for rd.Offset() < int64(len(seg)) {
		fs, err := rd.Next(int64(len(seg)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			got = append(got, bytes.Clone(f.Body))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(bodies) {
		t.Fatal("bodies differ")
	}
}

// TestReaderFollowsGrowingLimit: a segment read while it is appended to
// yields each frame once, as the limit reaches past it.
func TestReaderFollowsGrowingLimit(t *testing.T) {
	seg := segment(1, []byte("one"), []byte("two"), []byte("three"))
	rd := NewReader(bytes.NewReader(seg), SegmentHeaderSize, 16)
	var got []string
	for limit := int64(SegmentHeaderSize); limit <= int64(len(seg))+8; limit++ {
		// Only whole frames are ever written: step the limit over frame ends.
		fs, err := rd.Next(frameEnd(seg, limit))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			got = append(got, string(f.Body))
		}
	}
	if fmt.Sprint(got) != "[one two three]" {
		t.Fatalf("got %v", got)
	}
}

// frameEnd is the largest frame boundary of seg at or below limit.
func frameEnd(seg []byte, limit int64) int64 {
	off := int64(SegmentHeaderSize)
	for off < int64(len(seg)) {
		_, size, _ := Parse(seg[off:])
		if off+int64(size) > limit {
			break
		}
		off += int64(size)
	}
	return off
}

// FuzzReader checks the bounded-piece Reader against ScanSegment on the
// whole data: the same frames at the same offsets, and damage at the same
// offset, for any bytes and any chunk size.
func FuzzReader(f *testing.F) {
	seg := segment(3, []byte("a"), bytes.Repeat([]byte("b"), 70), nil, []byte("tail"))
	f.Add(seg, uint16(16))
	f.Add(seg[:len(seg)-2], uint16(12))
	f.Add(append(bytes.Clone(seg), make([]byte, 30)...), uint16(100))
	flipped := bytes.Clone(seg)
	flipped[SegmentHeaderSize+HeaderSize+1] ^= 4
	f.Add(flipped, uint16(13))
	f.Add(segment(3), uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		if len(data) < SegmentHeaderSize {
			return
		}
		type fr struct {
			off  int64
			body string
		}
		var want []fr
		first := binary.LittleEndian.Uint64(data[8:16])
		sc := testFormat.ScanSegment(data, first, false, func(off int64, body []byte) error {
			want = append(want, fr{off, string(body)})
			return nil
		})
		if sc.Bad != nil && sc.Bad.Offset == 0 {
			return // a bad header: the Reader starts past it
		}
		var got []fr
		rd := NewReader(bytes.NewReader(data), SegmentHeaderSize, int(chunk))
		var bad *Damage
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatal("the reader makes no progress")
			}
			fs, err := rd.Next(int64(len(data)))
			for _, f := range fs {
				got = append(got, fr{f.Off, string(f.Body)})
			}
			if err != nil {
				bad = err.(*Damage)
				break
			}
			if rd.Offset() >= int64(len(data)) {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("frames differ:\nreader %v\nscan   %v", got, want)
		}
		if sc.ZeroTail {
			// The scan ends a segment that is not the last at zeros (space
			// reserved ahead of appends); the Reader, which reads up to a
			// limit it was told holds whole frames, calls them damage.
			sc.Bad = &Damage{Offset: sc.End, Reason: Zeros.String()}
		}
		switch {
		case (bad == nil) != (sc.Bad == nil):
			t.Fatalf("damage: reader %v, scan %v", bad, sc.Bad)
		case bad != nil && bad.Offset != sc.Bad.Offset:
			t.Fatalf("damage at %d by the reader, %d by the scan", bad.Offset, sc.Bad.Offset)
		}
	})
}

// TestScanSegmentReservedZeros covers segments whose file system reserves
// zeros ahead of appends (osfs's Preallocate): a crash leaves zeros after
// the last write, and a torn write is followed by zeros rather than by the
// end of the file.
func TestScanSegmentReservedZeros(t *testing.T) {
	seg := segment(7, []byte("a"), bytes.Repeat([]byte("b"), 300))
	zeros := make([]byte, 500)
	scan := func(data []byte, last bool) Scan {
		return testFormat.ScanSegment(data, 7, last, func(int64, []byte) error { return nil })
	}
	padded := append(bytes.Clone(seg), zeros...)
	if sc := scan(padded, false); !sc.ZeroTail || sc.Bad != nil || sc.Frames != 2 || sc.End != int64(len(seg)) {
		t.Fatalf("zeros after the records of a segment that is not the last: %+v", sc)
	}
	if sc := scan(padded, true); sc.Torn == "" || sc.Frames != 2 || sc.End != int64(len(seg)) {
		t.Fatalf("zeros after the records of the last segment: %+v", sc)
	}
	second := SegmentHeaderSize + HeaderSize + 1 // where the second frame starts
	for _, cut := range []int{second + 3, second + HeaderSize, second + HeaderSize + 100} {
		torn := append(bytes.Clone(seg[:cut]), make([]byte, len(seg)-cut+len(zeros))...)
		if sc := scan(torn, true); sc.Torn == "" || sc.Bad != nil || sc.Frames != 1 || sc.End != int64(second) {
			t.Fatalf("last segment torn at %d inside reserved zeros: %+v", cut, sc)
		}
		if sc := scan(torn, false); sc.Bad == nil || sc.Bad.Offset != int64(second) {
			t.Fatalf("segment that is not the last torn at %d: %+v", cut, sc)
		}
	}
	flipped := bytes.Clone(padded)
	flipped[second+HeaderSize+5] ^= 1
	flipped = append(flipped, 1) // something after the zeros: not a torn write
	if sc := scan(flipped, true); sc.Bad == nil || sc.Bad.Offset != int64(second) {
		t.Fatalf("damaged frame with data after the zeros: %+v", sc)
	}
	header := append(bytes.Clone(seg[:5]), make([]byte, 600)...)
	if sc := scan(header, true); sc.Torn == "" || sc.Bad != nil {
		t.Fatalf("last segment's header torn inside reserved zeros: %+v", sc)
	}
}
