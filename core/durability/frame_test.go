package durability

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendSharedReturnsTheWALBytes: the frame AppendShared hands back is
// exactly what the WAL holds, decodes to the record, and survives the
// Store reusing its buffer.
func TestAppendSharedReturnsTheWALBytes(t *testing.T) {
	fs, s, _ := newSimFS(21)
	st, _, _ := openT(t, fs, Options{})
	var frames [][]byte
	for i := int64(1); i <= 5; i++ {
		frames = append(frames, st.AppendShared(3, uint64(i), txDeltas(i), func(err error) {
			if err != nil {
				t.Fatalf("commit %d: %v", i, err)
			}
		}))
		s.drain()
	}
	names, _ := fs.List(walDir)
	data, err := fs.ReadFile(walDir + "/" + names[0])
	if err != nil {
		t.Fatal(err)
	}
	joined := bytes.Join(frames, nil)
	if !bytes.HasSuffix(data, joined) {
		t.Fatalf("the WAL does not end with the shared frames (%d bytes, frames %d)", len(data), len(joined))
	}
	for i, f := range frames {
		rec, err := DecodeFrame(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		ts := uint64(i + 1)
		if rec.Epoch != 3 || rec.TS != ts || rec.PrevTS != ts-1 {
			t.Fatalf("frame %d decodes to %+v", i, rec)
		}
		if d := cmp.Diff(txDeltas(int64(ts)), rec.Deltas, dcmp); d != "" {
			t.Fatal(d)
		}
	}
}

// TestAppendFrameLogsReceivedBytes: a replica's Store logs the frames MAIN
// sent as they are, recovers them, and re-encodes a record whose previous
// timestamp is not its own last one.
func TestAppendFrameLogsReceivedBytes(t *testing.T) {
	mainFS, ms, _ := newSimFS(22)
	main, _, _ := openT(t, mainFS, Options{})
	fs, s, _ := newSimFS(23)
	st, _, _ := openT(t, fs, Options{})
	durable := 0
	for i := int64(1); i <= 6; i++ {
		f := main.AppendShared(1, uint64(i), txDeltas(i), func(error) {})
		ms.drain()
		rec, err := DecodeFrame(f)
		if err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			st.Append(1, 4, txDeltas(4), func(error) { durable++ }) // skip MAIN's frame: 5's frame follows 4 all the same
			s.drain()
			continue
		}
		st.AppendFrame(&rec, f, func(err error) {
			if err == nil {
				durable++
			}
		})
		s.drain()
	}
	if durable != 6 {
		t.Fatalf("%d of 6 records durable", durable)
	}
	// A record that does not follow the last one logged is encoded anew.
	rec, _ := DecodeFrame(main.AppendShared(1, 9, txDeltas(9), func(error) {}))
	rec.PrevTS = 8
	f := AppendRecord(nil, &rec)
	st.AppendFrame(&rec, f, func(error) {})
	s.drain()
	recs, err := drainCursor(st.NewCursor(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 || recs[6].TS != 9 || recs[6].PrevTS != 6 {
		t.Fatalf("recovered %d records, last %+v", len(recs), recs[len(recs)-1])
	}
	fs.Crash(false)
	_, m, rc := openT(t, fs, Options{})
	if rc.LastTS != 9 || rc.Records != 7 {
		t.Fatalf("recovery %+v", rc)
	}
	want := prefixState(6)
	if err := want.apply(txDeltas(9)); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want.v, m.v, dcmp); d != "" {
		t.Fatalf("recovered state differs (-want +got):\n%s", d)
	}
}

// TestDecodeFrameRefusesDamage: a flipped bit, a cut frame or trailing
// bytes are errors, never panics.
func TestDecodeFrameRefusesDamage(t *testing.T) {
	f := AppendRecord(nil, &Record{Epoch: 1, TS: 5, PrevTS: 4, Deltas: txDeltas(5)})
	if _, err := DecodeFrame(f); err != nil {
		t.Fatal(err)
	}
	for i := range f {
		b := bytes.Clone(f)
		b[i] ^= 0x10
		if _, err := DecodeFrame(b); err == nil {
			t.Fatalf("a flipped bit at byte %d went unnoticed", i)
		}
	}
	for _, b := range [][]byte{nil, f[:5], f[:len(f)-1], append(bytes.Clone(f), 0)} {
		if _, err := DecodeFrame(b); !errors.Is(err, ErrCorruptDelta) {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
	}
}

// TestOnWriteOncePerBatch: OnWrite runs each time a batch is handed to the
// file system, after the records gathered in the turn were buffered.
func TestOnWriteOncePerBatch(t *testing.T) {
	fs, s, _ := newSimFS(24)
	writes, buffered := 0, 0
	var st *Store
	st, _, _ = openT(t, fs, Options{SyncDepth: 1, Defer: func(f func()) { s.After(0, f) },
		OnWrite: func() {
			writes++
			if len(st.buf) != 0 || st.lastTS != uint64(buffered) {
				t.Fatalf("OnWrite with %d bytes still buffered, last %d of %d", len(st.buf), st.lastTS, buffered)
			}
		}})
	s.drain()
	for i := int64(1); i <= 5; i++ { // one turn: one batch
		st.Append(1, uint64(i), txDeltas(i), func(error) {})
		buffered++
	}
	s.drain()
	if writes != 1 {
		t.Fatalf("%d writes for one turn's records", writes)
	}
	st.Append(1, 6, txDeltas(6), func(error) {})
	buffered++
	s.drain()
	if writes != 2 {
		t.Fatalf("%d writes after a second turn", writes)
	}
}

// FuzzDecodeFrame: DecodeFrame never panics, and the record of a frame it
// accepts encodes to a frame that decodes to the same record (varints may
// be written longer than needed, so the accepted bytes themselves may
// differ from the canonical encoding).
func FuzzDecodeFrame(f *testing.F) {
	f.Add(AppendRecord(nil, &Record{Epoch: 1, TS: 5, PrevTS: 4, Deltas: txDeltas(5)}))
	f.Add(AppendRecord(nil, &Record{Epoch: 3, TS: 9, PrevTS: 0}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeFrame(b)
		if err != nil {
			return
		}
		again := AppendRecord(nil, &rec)
		rec2, err := DecodeFrame(again)
		if err != nil {
			t.Fatalf("re-encoded frame %x does not decode: %v", again, err)
		}
		if twice := AppendRecord(nil, &rec2); !bytes.Equal(again, twice) {
			t.Fatalf("encoding is not stable:\n%x\n%x", again, twice)
		}
	})
}
