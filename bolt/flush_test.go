package bolt

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// TestPipelinedRepliesFlush sends HELLO, RUN and PULL in one write followed
// by bytes that are not a whole message (half a chunk header, or a NOOP
// chunk): the replies held back while the pipeline was buffered must still
// arrive without the client sending anything more.
func TestPipelinedRepliesFlush(t *testing.T) {
	addr := startToy(t, &toyBackend{})
	for name, tail := range map[string][]byte{"partial": {0x00}, "noop": {0x00, 0x00}, "none": nil} {
		t.Run(name, func(t *testing.T) {
			nc := dial(t, addr)
			_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
			_, shape := handshakeFor(t, nc, "5.0")
			var batch []byte
			for _, m := range []struct {
				tag    byte
				fields []value.Value
			}{
				{MsgHello, []value.Value{value.Map{"user_agent": "test/1", "scheme": "none"}}},
				{MsgRun, []value.Value{"rows 2", value.Map{}, value.Map{}}},
				{MsgPull, []value.Value{value.Map{"n": int64(-1)}}},
			} {
				e := Encoder{Shape: shape}
				if err := AppendRequest(&e, m.tag, m.fields...); err != nil {
					t.Fatal(err)
				}
				batch = AppendChunked(batch, e.Buf)
			}
			if _, err := nc.Write(append(batch, tail...)); err != nil {
				t.Fatal(err)
			}
			r := NewChunkReader(bufio.NewReader(nc), 1<<20)
			var got []string
			for range 5 {
				msg, err := r.Read()
				if err != nil {
					t.Fatalf("after %q: %v", got, err)
				}
				line := formatReply(msg, shape)
				got = append(got, line[:strings.IndexByte(line+" ", ' ')+1]+strings.Fields(line)[1])
			}
			want := "S: SUCCESS|S: SUCCESS|S: RECORD|S: RECORD|S: SUCCESS"
			if s := strings.Join(got, "|"); s != want {
				t.Fatalf("replies %s, want %s", s, want)
			}
		})
	}
}
