package simdisk

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/quiverdb/quiver/disk"
)

// fileModel is the simple truth a single file must agree with: what was
// written, what each sync captured when it started, and what is durable.
type fileModel struct {
	f       *FS
	s       *testSched
	h       disk.File
	current []byte
	durable []byte
	// durableSeq is the start order of the sync that made durable.
	durableSeq int
	seq        int
	epoch      int
}

// TestFileAgainstModel drives one file with random appends, truncates,
// syncs, time steps and crashes, and checks after every crash that exactly
// the newest completed sync's capture survived (plus, when torn, a prefix of
// the unsynced appends), and that no callback from before a crash fires.
func TestFileAgainstModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f, s := newTestFS(rapid.Uint64().Draw(rt, "seed"))
		must(t, f.MkdirAll("d"))
		h, err := f.Create("d/f")
		must(t, err)
		m := &fileModel{f: f, s: s, h: h}
		f.SyncDir("d", func(error) {})
		s.runAll()
		rt.Repeat(map[string]func(*rapid.T){
			"append":   m.append,
			"truncate": m.truncate,
			"sync":     m.sync,
			"advance":  m.advance,
			"crash":    m.crash,
			"":         m.check,
		})
	})
}

func (m *fileModel) append(t *rapid.T) {
	p := rapid.SliceOfN(rapid.Byte(), 0, 20).Draw(t, "p")
	if err := m.h.Append(p); err != nil {
		t.Fatal(err)
	}
	m.current = append(m.current[:len(m.current):len(m.current)], p...)
}

func (m *fileModel) truncate(t *rapid.T) {
	n := rapid.IntRange(0, len(m.current)).Draw(t, "size")
	if err := m.h.Truncate(int64(n)); err != nil {
		t.Fatal(err)
	}
	m.current = append([]byte(nil), m.current[:n]...)
}

func (m *fileModel) sync(t *rapid.T) {
	m.seq++
	seq, epoch, snap := m.seq, m.epoch, append([]byte(nil), m.current...)
	m.h.Sync(func(err error) {
		if epoch != m.epoch {
			panic("sync callback from before a crash fired")
		}
		if err != nil {
			panic(err)
		}
		if seq > m.durableSeq {
			m.durable, m.durableSeq = snap, seq
		}
	})
}

func (m *fileModel) advance(t *rapid.T) {
	d := time.Duration(rapid.IntRange(0, 6000).Draw(t, "us")) * time.Microsecond
	m.s.runUntil(m.s.now + d)
}

func (m *fileModel) crash(t *rapid.T) {
	torn := rapid.Bool().Draw(t, "torn")
	m.f.Crash(torn)
	m.epoch++
	got, err := m.f.ReadFile("d/f")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.survivorOK(got, torn); err != nil {
		t.Fatal(err)
	}
	m.current, m.durable = got, append([]byte(nil), got...)
	if m.h, err = m.f.Open("d/f"); err != nil {
		t.Fatal(err)
	}
}

// survivorOK says whether got may be what a crash left.
func (m *fileModel) survivorOK(got []byte, torn bool) error {
	appended := bytes.HasPrefix(m.current, m.durable)
	if torn && appended && bytes.HasPrefix(got, m.durable) && bytes.HasPrefix(m.current, got) {
		return nil
	}
	if !bytes.Equal(got, m.durable) {
		return fmt.Errorf("after crash (torn=%v) file is %x, want durable %x (current %x)", torn, got, m.durable, m.current)
	}
	return nil
}

func (m *fileModel) check(t *rapid.T) {
	got, err := m.f.ReadFile("d/f")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, m.current) {
		t.Fatalf("file is %x, want %x", got, m.current)
	}
}
