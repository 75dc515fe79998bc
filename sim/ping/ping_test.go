package ping

import (
	"bytes"
	"errors"
	"testing"

	"github.com/quiverdb/quiver/net"
)

func wal(epoch uint64, ticks int) []byte {
	var b [recordSize]byte
	out := append([]byte(nil), encodeRecord(b[:], tagHeader, epoch, 0)...)
	for i := 1; i <= ticks; i++ {
		out = append(out, encodeRecord(b[:], tagTick, uint64(i), 100+uint64(i))...)
	}
	return out
}

func TestParse(t *testing.T) {
	full := wal(77, 5)
	corrupt := append([]byte(nil), full...)
	corrupt[3*recordSize+5] ^= 1
	skipped := append(wal(77, 2), full[4*recordSize:5*recordSize]...) // tick 4 after tick 2
	for _, tc := range []struct {
		name       string
		data       []byte
		valid      int
		epoch, seq uint64
	}{
		{"empty", nil, 0, 0, 0},
		{"torn header", full[:10], 0, 0, 0},
		{"header only", full[:recordSize], recordSize, 77, 0},
		{"full", full, len(full), 77, 5},
		{"torn tail", full[:len(full)-3], len(full) - recordSize, 77, 4},
		{"corrupt third tick", corrupt, 3 * recordSize, 77, 2},
		{"gap", skipped, 3 * recordSize, 77, 2},
		{"tick first", full[recordSize:], 0, 0, 0},
	} {
		valid, epoch, payloads := parse(tc.data)
		seq := uint64(len(payloads))
		for i, p := range payloads {
			if p != 101+uint64(i) {
				t.Errorf("%s: tick %d has payload %d", tc.name, i+1, p)
			}
		}
		if valid != tc.valid || epoch != tc.epoch || seq != tc.seq {
			t.Errorf("%s: parse = (%d, %d, %d), want (%d, %d, %d)", tc.name, valid, epoch, seq, tc.valid, tc.epoch, tc.seq)
		}
	}
}

func TestDecode(t *testing.T) {
	n := &Node{}
	var got net.Message
	n.env.Net = sendFunc(func(_ string, m net.Message) { got = m })
	n.send("x:1", TypeAck, 3, 9, 27)
	a, b, c, err := Decode(got)
	if err != nil || a != 3 || b != 9 || c != 27 {
		t.Fatalf("Decode = %d, %d, %d, %v", a, b, c, err)
	}
	for _, m := range []net.Message{{Type: TypeAck, Body: got.Body[:15]}, {Type: 9, Body: got.Body}} {
		if _, _, _, err := Decode(m); !errors.Is(err, ErrBadMessage) {
			t.Errorf("Decode(%v) error = %v, want ErrBadMessage", m, err)
		}
	}
}

type sendFunc func(string, net.Message)

func (f sendFunc) Addr() string                  { return "self:1" }
func (f sendFunc) Send(to string, m net.Message) { f(to, m) }

func FuzzDecode(f *testing.F) {
	f.Add(uint16(TypeUpdate), make([]byte, msgSize))
	f.Add(uint16(3), []byte{1, 2})
	f.Fuzz(func(t *testing.T, typ uint16, body []byte) {
		a, b, c, err := Decode(net.Message{Type: typ, Body: body})
		if err != nil {
			return
		}
		var again [msgSize]byte
		n := &Node{}
		n.env.Net = sendFunc(func(_ string, m net.Message) { copy(again[:], m.Body) })
		n.send("x:1", typ, a, b, c)
		if !bytes.Equal(again[:], body) {
			t.Fatalf("re-encoding %x gave %x", body, again)
		}
	})
}

func FuzzParseWAL(f *testing.F) {
	f.Add(wal(1, 3))
	f.Add(wal(1, 3)[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		valid, _, payloads := parse(data)
		seq := uint64(len(payloads))
		if valid < 0 || valid > len(data) || valid%recordSize != 0 {
			t.Fatalf("valid prefix %d of %d bytes", valid, len(data))
		}
		if valid > 0 && uint64(valid/recordSize-1) != seq {
			t.Fatalf("valid prefix of %d records holds %d ticks", valid/recordSize, seq)
		}
		if v2, _, p2 := parse(data[:valid]); v2 != valid || uint64(len(p2)) != seq {
			t.Fatalf("valid prefix reparses to (%d, %d), want (%d, %d)", v2, len(p2), valid, seq)
		}
	})
}
