package replication

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
	"github.com/quiverdb/quiver/net"
)

var hdr = Header{Main: "6f1c0e3a-uuid", Epoch: Epoch{Num: 3, ID: 0xfeedface}, Watermark: 41}

var txn = Txn{Epoch: Epoch{Num: 2, ID: 7}, TS: 42, PrevTS: 40, Deltas: []graph.Delta{
	{Op: graph.OpCreateVertex, ID: 1},
	{Op: graph.OpAddLabel, ID: 1, Name: "Person"},
	{Op: graph.OpSetVertexProp, ID: 1, Key: "name", Value: "ann"},
	{Op: graph.OpCreateEdge, ID: 9, From: 1, To: 2, Name: "KNOWS"},
	{Op: graph.OpCreateIndex, Name: "Person", Key: "name", Kind: graph.KindLabelPropertyIndex},
	{Op: graph.OpCreateConstraint, Name: "Person", Key: "id", Kind: graph.KindUnique, Alias: "person_id"},
}}

var hist = History{{Epoch: Epoch{Num: 1, ID: 5}, LastTS: 10}, {Epoch: Epoch{Num: 2, ID: 7}, LastTS: 42}}

// sampleMessages holds one message of every kind.
func sampleMessages() []Message {
	return []Message{
		&Handshake{Header: hdr, Session: 99},
		&Handshake{Header: hdr, Session: 98, AckDelay: 5 * time.Millisecond},
		&Hello{Header: Header{Main: "m", Epoch: Epoch{Num: 3, ID: 1}}, Session: 99, History: hist, Applied: 42, Durable: 40},
		&Hello{Header: hdr, Session: 1},
		&Append{Header: hdr, Session: 99, Seq: 5, Txns: []Txn{txn, {Epoch: txn.Epoch, TS: 43, PrevTS: 42}}},
		&Append{Header: hdr, Session: 99, Seq: 7},
		&Ack{Header: hdr, Session: 99, Seq: 6, DurableTS: 43},
		&Prepare{Header: hdr, Session: 99, Txn: txn},
		&Vote{Header: hdr, Session: 99, TS: 42, Yes: true},
		&Abort{Header: hdr, Session: 99, TS: 42},
		&Piece{Header: hdr, Session: 99, Index: 3, TS: 40, Last: true, History: hist, Data: []byte("snapshot bytes")},
		&PieceAck{Header: hdr, Session: 99, Index: 3},
		&Refuse{Header: hdr, Session: 99, Reason: ReasonDiverged, Detail: "epoch 2 unknown"},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		t.Run(m.Kind().String(), func(t *testing.T) {
			wire := Encode(m)
			if !IsReplication(wire.Type) {
				t.Fatalf("type %#x is not a replication kind", wire.Type)
			}
			got, err := Decode(wire)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(m, got, cmpopts.IgnoreUnexported(Txn{})); d != "" {
				t.Fatalf("round trip differs (-sent +decoded):\n%s", d)
			}
		})
	}
}

func TestCodecRejects(t *testing.T) {
	good := Encode(&Vote{Header: hdr, Session: 1, TS: 2, Yes: true})
	badTxn := Encode(&Prepare{Header: hdr, Session: 1, Txn: Txn{TS: 5, PrevTS: 5}})
	badHist := Encode(&Hello{Header: hdr, History: History{{Epoch: Epoch{Num: 2}}, {Epoch: Epoch{Num: 2}}}})
	badReason := Encode(&Refuse{Header: hdr, Reason: ReasonNoSession})
	badReason.Body[len(badReason.Body)-2] = 0 // the reason byte, before the empty detail
	cases := []struct {
		name string
		msg  net.Message
		want error
	}{
		{"unknown kind", net.Message{Type: 7, Body: good.Body}, ErrUnknownKind},
		{"empty body", net.Message{Type: good.Type}, net.ErrTruncated},
		{"future version", net.Message{Type: good.Type, Body: append([]byte{9}, good.Body[1:]...)}, net.ErrVersion},
		{"trailing byte", net.Message{Type: good.Type, Body: append(bytes.Clone(good.Body), 0)}, net.ErrTrailing},
		{"truncated", net.Message{Type: good.Type, Body: good.Body[:len(good.Body)-1]}, net.ErrTruncated},
		{"bad bool", net.Message{Type: good.Type, Body: append(bytes.Clone(good.Body[:len(good.Body)-1]), 2)}, net.ErrBool},
		{"txn not after its predecessor", badTxn, nil},
		{"history epochs not increasing", badHist, nil},
		{"unknown reason", badReason, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.msg)
			if err == nil {
				t.Fatal("decoded without error")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

// FuzzDecode feeds arbitrary bodies to every kind: Decode never panics, and
// what it accepts encodes to a form that decodes and encodes again to the
// same bytes.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		w := Encode(m)
		f.Add(w.Type, w.Body)
	}
	f.Fuzz(func(t *testing.T, typ uint16, body []byte) {
		m, err := Decode(net.Message{Type: typ, Body: body})
		if err != nil {
			return
		}
		once := Encode(m)
		m2, err := Decode(once)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if twice := Encode(m2); !bytes.Equal(once.Body, twice.Body) || once.Type != twice.Type {
			t.Fatalf("encoding is not stable:\n%x\n%x", once.Body, twice.Body)
		}
	})
}

// TestCodecChecksTheFrameCRC: a transaction's WAL record travels with its
// CRCs, so a flipped bit inside it is refused rather than applied.
func TestCodecChecksTheFrameCRC(t *testing.T) {
	w := Encode(&Append{Header: hdr, Session: 1, Seq: 1, Txns: []Txn{txn}})
	body := bytes.Clone(w.Body)
	body[len(body)-3] ^= 0x04 // inside the last delta
	if _, err := Decode(net.Message{Type: w.Type, Body: body}); err == nil {
		t.Fatal("a damaged record decoded")
	}
	m, err := Decode(w)
	if err != nil {
		t.Fatal(err)
	}
	got := m.(*Append).Txns[0].frame
	if want := durability.AppendRecord(nil, txn.record()); !bytes.Equal(got, want) {
		t.Fatal("the decoded transaction does not keep the record's bytes")
	}
}
