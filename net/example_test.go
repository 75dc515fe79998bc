package net_test

import (
	"bytes"
	"fmt"

	"github.com/quiverdb/quiver/net"
)

// heartbeat shows the pattern a protocol message follows: a version byte,
// then its fields in a fixed order; the decoder reads every field and checks
// the error once, with Done rejecting trailing bytes.
type heartbeat struct {
	Term   uint64
	Leader string
	Acks   []uint64
}

const heartbeatV1 = 1

func (h heartbeat) appendTo(dst []byte) []byte {
	w := net.NewWriter(dst)
	w.Version(heartbeatV1)
	w.Uvarint(h.Term)
	w.Str(h.Leader)
	w.Count(len(h.Acks))
	for _, a := range h.Acks {
		w.Uvarint(a)
	}
	return w.Data()
}

func decodeHeartbeat(body []byte) (heartbeat, error) {
	r := net.NewReader(body)
	var h heartbeat
	r.Version(heartbeatV1, heartbeatV1)
	h.Term = r.Uvarint()
	h.Leader = r.Str()
	h.Acks = make([]uint64, r.Count()) // Count is bounded by the input size
	for i := range h.Acks {
		h.Acks[i] = r.Uvarint()
	}
	return h, r.Done()
}

func Example() {
	msg := net.Message{Type: 7, Body: heartbeat{Term: 3, Leader: "c1:7000", Acks: []uint64{10, 11}}.appendTo(nil)}

	// On the wire, after the connection's hello.
	stream := net.AppendHello(nil, "c1:7000")
	stream = net.AppendFrame(stream, msg)
	d := net.NewDecoder(bytes.NewReader(stream), 0)
	from, _ := d.ReadHello()
	f, _ := d.Next()
	h, err := decodeHeartbeat(f.Msg.Body)
	fmt.Println(from, f.Msg.Type, h, err)

	_, err = decodeHeartbeat(msg.Body[:len(msg.Body)-1])
	fmt.Println(err)
	// Output:
	// c1:7000 7 {3 c1:7000 [10 11]} <nil>
	// net: decoding count at byte 10: length exceeds remaining input: 2 > 1
}
