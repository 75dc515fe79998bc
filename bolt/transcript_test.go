package bolt

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/quiverdb/quiver/core/value"
)

var tagByName = map[string]byte{}

func init() {
	for tag, s := range requestSpec {
		tagByName[s.name] = tag
	}
}

// startToy serves Bolt against b on a loopback listener.
func startToy(t testing.TB, b Backend) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &Server{Backend: b}
	go func() {
		for i := 0; ; i++ {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				if err := srv.ServeConn(ctx, nc, fmt.Sprintf("bolt-%d", i)); err != nil && testing.Verbose() {
					fmt.Println("serve:", err)
				}
			}()
		}
	}()
	t.Cleanup(func() { cancel(); ln.Close() })
	return ln.Addr().String()
}

// TestTranscripts replays protocol transcripts from testdata/transcripts.
// Directives:
//
//	transcript [version=5.4] [auth]   client lines "C: NAME json-fields..."
//	                                  and "wait" (read all pending replies)
//	handshake                         input: hex bytes; output: hex reply
func TestTranscripts(t *testing.T) {
	datadriven.Walk(t, "testdata/transcripts", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			b := &toyBackend{}
			if d.HasArg("auth") {
				b.user, b.password = "neo4j", "secret"
			}
			addr := startToy(t, b)
			switch d.Cmd {
			case "handshake":
				return rawHandshake(t, addr, d.Input)
			case "transcript":
				v := "5.4"
				if d.HasArg("version") {
					d.ScanArgs(t, "version", &v)
				}
				return transcript(t, addr, v, d.Input)
			case "raw":
				v := "5.4"
				if d.HasArg("version") {
					d.ScanArgs(t, "version", &v)
				}
				return rawTranscript(t, addr, v, d.Input)
			}
			t.Fatalf("unknown directive %s", d.Cmd)
			return ""
		})
	})
}

func dial(t *testing.T, addr string) net.Conn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc
}

func parseHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rawHandshake(t *testing.T, addr, input string) string {
	nc := dial(t, addr)
	if _, err := nc.Write(parseHex(t, input)); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 4)
	n, _ := io.ReadFull(nc, reply)
	if n == 0 {
		return "<closed>\n"
	}
	return fmt.Sprintf("% x\n", reply[:n])
}

func handshakeFor(t *testing.T, nc net.Conn, v string) (Version, Shape) {
	maj, min, _ := strings.Cut(v, ".")
	a, _ := strconv.Atoi(maj)
	b, _ := strconv.Atoi(min)
	hs := append(append([]byte{}, magic...), 0, 0, byte(b), byte(a), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	if _, err := nc.Write(hs); err != nil {
		t.Fatal(err)
	}
	var r [4]byte
	if _, err := io.ReadFull(nc, r[:]); err != nil {
		t.Fatal(err)
	}
	ver := Version{r[3], r[2]}
	return ver, ver.Shape(false)
}

// transcript sends client messages and prints every reply.
func transcript(t *testing.T, addr, v, input string) string {
	nc := dial(t, addr)
	ver, shape := handshakeFor(t, nc, v)
	var out strings.Builder
	fmt.Fprintf(&out, "version %s\n", ver)
	r := NewChunkReader(bufio.NewReader(nc), 1<<24)
	pending, closed := 0, false
	for _, line := range strings.Split(input, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "wait":
			closed = readReplies(t, r, shape, &pending, &out, closed)
		case strings.HasPrefix(line, "C: "):
			name, tag, fields := parseClientLine(t, line[3:])
			if name == "HELLO" && hasPatch(fields[0].(value.Map), "utc") {
				shape = ver.Shape(true)
			}
			e := Encoder{Shape: shape}
			if err := AppendRequest(&e, tag, fields...); err != nil {
				t.Fatal(err)
			}
			if err := WriteMessage(nc, e.Buf); err != nil {
				t.Fatal(err)
			}
			if tag != MsgGoodbye {
				pending++
			}
		default:
			t.Fatalf("bad transcript line %q", line)
		}
	}
	closed = readReplies(t, r, shape, &pending, &out, closed)
	if !closed {
		_ = nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := r.Read(); err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			out.WriteString("S: <closed>\n")
		}
	}
	return out.String()
}

// rawTranscript sends hex-encoded message bodies (each line one message,
// chunked by the test) and prints the replies until the server closes.
func rawTranscript(t *testing.T, addr, v, input string) string {
	nc := dial(t, addr)
	ver, shape := handshakeFor(t, nc, v)
	var out strings.Builder
	fmt.Fprintf(&out, "version %s\n", ver)
	for _, line := range strings.Split(input, "\n") {
		if strings.HasPrefix(line, "chunks ") {
			_, _ = nc.Write(parseHex(t, line[7:]))
			continue
		}
		if line = strings.TrimSpace(line); line != "" {
			_ = WriteMessage(nc, parseHex(t, line))
		}
	}
	_ = nc.(*net.TCPConn).CloseWrite()
	r := NewChunkReader(bufio.NewReader(nc), 1<<24)
	for {
		msg, err := r.Read()
		if err != nil {
			out.WriteString("S: <closed>\n")
			return out.String()
		}
		out.WriteString(formatReply(msg, shape) + "\n")
	}
}

func readReplies(t *testing.T, r *ChunkReader, s Shape, pending *int, out *strings.Builder, closed bool) bool {
	for !closed && *pending > 0 {
		msg, err := r.Read()
		if err != nil {
			if testing.Verbose() {
				fmt.Println("read:", err)
			}
			out.WriteString("S: <closed>\n")
			return true
		}
		line := formatReply(msg, s)
		out.WriteString(line + "\n")
		if !strings.HasPrefix(line, "S: RECORD") {
			*pending--
		}
	}
	return closed
}

func parseClientLine(t *testing.T, s string) (string, byte, []value.Value) {
	name, rest, _ := strings.Cut(s, " ")
	tag, ok := tagByName[name]
	if !ok {
		t.Fatalf("unknown message %q", name)
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	dec.UseNumber()
	var fields []value.Value
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("bad fields %q: %v", rest, err)
		}
		fields = append(fields, fromJSON(v))
	}
	return name, tag, fields
}

func fromJSON(v any) value.Value {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		l := make(value.List, len(x))
		for i, e := range x {
			l[i] = fromJSON(e)
		}
		return l
	case map[string]any:
		m := value.Map{}
		for k, e := range x {
			m[k] = fromJSON(e)
		}
		return m
	}
	return v
}

var replyNames = map[byte]string{MsgSuccess: "SUCCESS", MsgRecord: "RECORD", MsgIgnored: "IGNORED", MsgFailure: "FAILURE"}

// formatReply renders a reply deterministically, hiding timings.
func formatReply(msg []byte, s Shape) string {
	d := NewDecoder(msg, s)
	d.Generic = true
	if len(msg) < 2 || msg[0]&0xF0 != 0xB0 {
		return fmt.Sprintf("S: <malformed % x>", msg)
	}
	d.pos = 2
	var parts []string
	for i := 0; i < int(msg[0]&0x0F); i++ {
		v, err := d.Value()
		if err != nil {
			return fmt.Sprintf("S: <undecodable %v>", err)
		}
		if m, ok := v.(value.Map); ok {
			for _, k := range []string{"t_first", "t_last"} {
				if _, ok := m[k]; ok {
					m[k] = "<ms>"
				}
			}
		}
		parts = append(parts, formatValue(v))
	}
	return strings.TrimSpace("S: " + replyNames[msg[1]] + " " + strings.Join(parts, " "))
}

func formatValue(v value.Value) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case float64:
		if x == math.Trunc(x) {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case value.List:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case value.Map:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + formatValue(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Structure:
		parts := make([]string, len(x.Fields))
		for i, e := range x.Fields {
			parts[i] = formatValue(e)
		}
		return fmt.Sprintf("%c(%s)", x.Tag, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("%v", v)
}
