package tcp

import (
	"fmt"
	"testing"

	qnet "github.com/quiverdb/quiver/net"
)

// BenchmarkTCPThroughput streams messages from one endpoint to another on
// loopback, keeping at most a window of them in flight so none is dropped,
// and reports delivered messages per second.
func BenchmarkTCPThroughput(b *testing.B) {
	for _, size := range []int{64, 1024, 16 << 10} {
		b.Run(fmt.Sprintf("body=%d", size), func(b *testing.B) {
			const window = 4096
			tokens := make(chan struct{}, window)
			done := make(chan struct{}, 1)
			var got int
			total := b.N
			recv, err := ListenConfig("127.0.0.1:0", func(string, qnet.Message) {
				got++ // one inbound connection, so one delivering goroutine
				<-tokens
				if got == total {
					done <- struct{}{}
				}
			}, Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer recv.Close()
			send, err := ListenConfig("127.0.0.1:0", func(string, qnet.Message) {}, Config{QueueLen: 2 * window})
			if err != nil {
				b.Fatal(err)
			}
			defer send.Close()
			msg := qnet.Message{Type: 1, Body: make([]byte, size)}
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range total {
				tokens <- struct{}{}
				send.Send(recv.Addr(), msg)
			}
			<-done
			b.StopTimer()
			if s := send.Stats(); s.Dropped != 0 {
				b.Fatalf("dropped %d messages: %+v", s.Dropped, s)
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkTCPRoundTrip measures one request and its echo between two
// endpoints on loopback, one at a time.
func BenchmarkTCPRoundTrip(b *testing.B) {
	back := make(chan struct{}, 1)
	var echo *Transport
	echo, err := Listen("127.0.0.1:0", func(from string, msg qnet.Message) { echo.Send(from, msg) })
	if err != nil {
		b.Fatal(err)
	}
	defer echo.Close()
	client, err := Listen("127.0.0.1:0", func(string, qnet.Message) { back <- struct{}{} })
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	msg := qnet.Message{Type: 1, Body: make([]byte, 64)}
	client.Send(echo.Addr(), msg) // connect both ways before timing
	<-back
	b.ResetTimer()
	for range b.N {
		client.Send(echo.Addr(), msg)
		<-back
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
