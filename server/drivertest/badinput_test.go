package drivertest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/bolt"
)

var handshake54 = []byte{0x60, 0x60, 0xB0, 0x17, 0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// chunk frames msg as one Bolt message.
func chunk(msg []byte) []byte { return bolt.AppendChunked(nil, msg) }

// TestBadInput throws malformed traffic at a running server: every bad
// connection gets a FAILURE where the protocol allows one and is closed,
// while a driver session carries on and memory stays bounded.
func TestBadInput(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	hello := chunk([]byte{0xB1, 0x01, 0xA0})
	logon := chunk([]byte{0xB1, 0x6A, 0xA0})
	huge := bytes.Repeat(chunk(bytes.Repeat([]byte{0x80}, 60000))[:60002], 300) // 18 MB, never ends
	cases := []struct {
		name    string
		send    []byte
		failure bool // a FAILURE is expected before the close
	}{
		{"garbage handshake", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false},
		{"truncated handshake", handshake54[:7], false},
		{"garbage message", append(append([]byte{}, handshake54...), chunk([]byte("garbage!"))...), true},
		{"truncated message", append(append([]byte{}, handshake54...), 0x00, 0x20, 0xB1, 0x01), false},
		{"oversized message", append(append([]byte{}, handshake54...), huge...), true},
		{"wrong struct size", append(append(append(append([]byte{}, handshake54...), hello...), logon...),
			chunk([]byte{0xB3, 0x10, 0x80, 0xA1, 0x81, 0x64, 0xB3, 0x44, 1, 2, 3, 0xA0})...), true},
		{"unknown message", append(append([]byte{}, handshake54...), chunk([]byte{0xB0, 0x99})...), true},
		{"RUN before HELLO", append(append([]byte{}, handshake54...), chunk([]byte{0xB3, 0x10, 0x80, 0xA0, 0xA0})...), true},
	}
	for round := 0; round < 3; round++ {
		for _, tc := range cases {
			got := sendRaw(t, s.BoltAddr(), tc.send)
			if tc.failure != strings.Contains(got, "FAILURE") || !strings.HasSuffix(got, "closed") {
				t.Errorf("%s: got %q", tc.name, got)
			}
			// Another session is unaffected.
			res, err := neo4j.ExecuteQuery(c, d, "RETURN 1 AS one", nil, neo4j.EagerResultTransformer)
			if err != nil || res.Records[0].Values[0] != int64(1) {
				t.Fatalf("after %s: %v", tc.name, err)
			}
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > 256<<20 {
		t.Errorf("heap in use %d MB after bad input", ms.HeapInuse>>20)
	}
}

// sendRaw writes b, half-closes, and describes what the server answered.
func sendRaw(t *testing.T, addr string, b []byte) string {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(15 * time.Second))
	go func() {
		_, _ = nc.Write(b)
		_ = nc.(*net.TCPConn).CloseWrite()
	}()
	br := bufio.NewReader(nc)
	var out []string
	if len(b) >= 20 && bytes.Equal(b[:4], handshake54[:4]) && bytes.Equal(b[4:8], handshake54[4:8]) {
		var v [4]byte
		if _, err := io.ReadFull(br, v[:]); err != nil {
			return "closed"
		}
		out = append(out, "version")
	}
	r := bolt.NewChunkReader(br, 1<<20)
	for {
		msg, err := r.Read()
		if err != nil {
			return strings.Join(append(out, "closed"), " ")
		}
		switch msg[1] {
		case bolt.MsgFailure:
			out = append(out, "FAILURE")
		case bolt.MsgSuccess:
			out = append(out, "SUCCESS")
		default:
			out = append(out, "other")
		}
	}
}
