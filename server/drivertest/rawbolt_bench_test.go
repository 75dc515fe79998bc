package drivertest

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/bolt"
	"github.com/quiverdb/quiver/core/value"
	"github.com/quiverdb/quiver/server"
)

// BenchmarkBoltRequest measures the CPU of one auto-commit request, RETURN
// 1 and the mgbench single-vertex read, from 12 connections at once, with
// two clients: raw, which sends what the Go driver sends (RUN with its
// parameters and the session's bookmark, then PULL n=1000, in one write)
// and only frames bytes, so that nearly all the CPU is the server's; and
// driver, the Go driver itself (a session per connection, Run and
// Consume), as BenchmarkMgbench runs it. It reports the CPU per request
// split by who burnt it (pprof labels): server_us/op (the connection
// goroutines and the loop), client_us/op and runtime_us/op (unlabelled:
// the garbage collector's background workers and the scheduler), and the
// process's read and write system calls per request (/proc/self/io; the
// raw client's own are one write and one or two reads).
// QUIVER_BENCH_USERS (default 10000) sizes the graph of :User nodes.
func BenchmarkBoltRequest(b *testing.B) {
	users := envInt("QUIVER_BENCH_USERS", 10000)
	s := startLabelledServer(b)
	d := driver(b, s, neo4j.AuthToken{})
	c := context.Background()
	if err := autoCommit(c, d, "CREATE INDEX ON :User(id)", nil); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < users; start += 1000 {
		if err := autoCommit(c, d, "UNWIND range($a, $b) AS i CREATE (:User {id: i, age: i % 80, name: 'u' + toString(i)})",
			map[string]any{"a": start, "b": min(start+999, users-1)}); err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name, query string
		param       bool
	}{
		{"return_1", "RETURN 1", false},
		{"single_vertex_read", "MATCH (n:User {id: $id}) RETURN n", true},
	}
	clients := map[string]func(b *testing.B) requester{
		"raw": func(b *testing.B) requester { return dialRaw(b, s.BoltAddr()) },
		"driver": func(b *testing.B) requester {
			sess := d.NewSession(c, neo4j.SessionConfig{})
			b.Cleanup(func() { _ = sess.Close(c) })
			return &driverClient{sess: sess}
		},
	}
	for _, client := range []string{"raw", "driver"} {
		for _, tc := range cases {
			b.Run(client+"/"+tc.name, func(b *testing.B) {
				var param func(r *rand.Rand) int64
				if tc.param {
					param = func(r *rand.Rand) int64 { return int64(r.Intn(users)) }
				}
				measureRequests(b, clients[client], tc.query, param)
			})
		}
	}
}

// requester sends one auto-commit query, with $id when id >= 0, and reads
// its result to the end.
type requester interface {
	request(q string, id int64) error
}

// measureRequests runs b.N requests of query over 12 clients that dial
// makes and reports their CPU per request, split by label, and the
// process's system calls per request. param, when set, draws $id.
func measureRequests(b *testing.B, dial func(*testing.B) requester, query string, param func(*rand.Rand) int64) {
	clients := make([]requester, 12)
	for i := range clients {
		clients[i] = dial(b)
	}
	per := b.N/len(clients) + 1
	prof := startLabelCPU("side")
	cpu0, io0 := cpuTime(), ioCalls()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, rc := range clients {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("side", "client"), func(context.Context) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(i)))
			for range per {
				id := int64(-1)
				if param != nil {
					id = param(r)
				}
				if err := rc.request(query, id); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	n := float64(per * len(clients))
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu_us/op")
	if io1 := ioCalls(); io0[0] >= 0 && io1[0] >= 0 {
		b.ReportMetric(float64(io1[0]-io0[0])/n, "reads/op")
		b.ReportMetric(float64(io1[1]-io0[1])/n, "writes/op")
	}
	if byLabel, err := prof.stop(); err == nil {
		b.ReportMetric(float64(byLabel["server"].Microseconds())/n, "server_us/op")
		b.ReportMetric(float64(byLabel["client"].Microseconds())/n, "client_us/op")
		b.ReportMetric(float64(byLabel[""].Microseconds())/n, "runtime_us/op")
	}
}

// driverClient is one Go-driver session, used as BenchmarkMgbench does.
type driverClient struct {
	sess neo4j.SessionWithContext
}

func (dc *driverClient) request(q string, id int64) error {
	var params map[string]any
	if id >= 0 {
		params = map[string]any{"id": id}
	}
	c := context.Background()
	res, err := dc.sess.Run(c, q, params)
	if err == nil {
		_, err = res.Consume(c)
	}
	return err
}

// startLabelledServer starts the in-process server with its goroutines
// (the listener's, so every connection's and the loop's) labelled
// side=server for the CPU split.
func startLabelledServer(b *testing.B) *server.Server {
	var s *server.Server
	pprof.Do(context.Background(), pprof.Labels("side", "server"), func(context.Context) { s = startServer(b, nil) })
	return s
}

// rawClient is a Bolt 5.4 connection that frames requests by hand, the
// cheapest client possible, so a benchmark's CPU is the server's.
type rawClient struct {
	nc       net.Conn
	r        *bolt.ChunkReader
	enc      bolt.Encoder
	out      []byte
	bookmark string
}

// dialRaw connects, negotiates 5.4 and authenticates (scheme none).
func dialRaw(b *testing.B, addr string) *rawClient {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	b.Cleanup(func() { _ = nc.Close() })
	if err != nil {
		b.Fatal(err)
	}
	rc := &rawClient{nc: nc, r: bolt.NewChunkReader(bufio.NewReaderSize(nc, 32*1024), 1<<24)}
	if _, err := nc.Write([]byte{0x60, 0x60, 0xB0, 0x17, 0, 0, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		b.Fatal(err)
	}
	var v [4]byte
	if _, err := nc.Read(v[:]); err != nil || v != [4]byte{0, 0, 4, 5} {
		b.Fatalf("handshake: %v %v", v, err)
	}
	rc.enc.Buf = rc.enc.Buf[:0]
	_ = bolt.AppendRequest(&rc.enc, bolt.MsgHello, value.Map{"user_agent": "raw/1"})
	rc.frame()
	_ = bolt.AppendRequest(&rc.enc, bolt.MsgLogon, value.Map{"scheme": "none"})
	rc.frame()
	if _, err := nc.Write(rc.out); err != nil {
		b.Fatal(err)
	}
	rc.out = rc.out[:0]
	for range 2 {
		if _, err := rc.expect(bolt.MsgSuccess); err != nil {
			b.Fatal(err)
		}
	}
	return rc
}

// frame moves the encoded message into the output, chunked.
func (rc *rawClient) frame() {
	rc.out = bolt.AppendChunked(rc.out, rc.enc.Buf)
	rc.enc.Buf = rc.enc.Buf[:0]
}

// request sends RUN (with the last bookmark, as a driver session does) and
// PULL n=1000 in one write and reads the replies up to PULL's SUCCESS.
func (rc *rawClient) request(q string, id int64) error {
	rc.enc.StructHeader(bolt.MsgRun, 3)
	rc.enc.String(q)
	if id >= 0 {
		rc.enc.MapHeader(1)
		rc.enc.String("id")
		rc.enc.Int(id)
	} else {
		rc.enc.MapHeader(0)
	}
	if rc.bookmark == "" {
		rc.enc.MapHeader(0)
	} else {
		rc.enc.MapHeader(1)
		rc.enc.String("bookmarks")
		rc.enc.ListHeader(1)
		rc.enc.String(rc.bookmark)
	}
	rc.frame()
	rc.enc.StructHeader(bolt.MsgPull, 1)
	rc.enc.MapHeader(1)
	rc.enc.String("n")
	rc.enc.Int(1000)
	rc.frame()
	_, err := rc.nc.Write(rc.out)
	rc.out = rc.out[:0]
	if err != nil {
		return err
	}
	if _, err := rc.expect(bolt.MsgSuccess); err != nil {
		return err
	}
	for {
		msg, err := rc.r.Read()
		if err != nil {
			return err
		}
		if len(msg) < 2 || msg[1] == bolt.MsgRecord {
			continue
		}
		if msg[1] != bolt.MsgSuccess {
			return fmt.Errorf("PULL answered 0x%02X", msg[1])
		}
		if rc.bookmark == "" {
			rc.bookmark = bookmarkOf(msg)
		}
		return nil
	}
}

// expect reads one message and fails unless it has the tag.
func (rc *rawClient) expect(tag byte) ([]byte, error) {
	msg, err := rc.r.Read()
	if err != nil {
		return nil, err
	}
	if len(msg) < 2 || msg[1] != tag {
		return nil, fmt.Errorf("got %q, want tag 0x%02X", msg, tag)
	}
	return msg, nil
}

// bookmarkOf reads the bookmark of a SUCCESS message.
func bookmarkOf(msg []byte) string {
	v, err := bolt.NewDecoder(msg[2:], bolt.Shape{}).Value()
	if err != nil {
		return ""
	}
	m, _ := v.(value.Map)
	bm, _ := m["bookmark"].(string)
	return bm
}

// ioCalls is this process's count of read and write system calls
// (syscr and syscw of /proc/self/io), or -1s where that is unreadable.
func ioCalls() [2]int64 {
	out := [2]int64{-1, -1}
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			continue
		}
		switch k {
		case "syscr":
			out[0] = n
		case "syscw":
			out[1] = n
		}
	}
	return out
}
