package replication

import (
	"fmt"
	"strings"
	"time"
)

// Mode is how MAIN treats a replica's confirmations.
type Mode uint8

// Replication modes, as Memgraph names them.
const (
	// Sync replicas in the in-sync set confirm a commit before it is
	// acknowledged.
	Sync Mode = iota + 1
	// Async replicas receive commits in the background; nobody waits.
	Async
	// StrictSync replicas vote on every transaction before MAIN commits it
	// (two-phase) and confirm it before it is acknowledged.
	StrictSync
)

// String returns the mode as SHOW REPLICAS prints it.
func (m Mode) String() string {
	switch m {
	case Sync:
		return "sync"
	case Async:
		return "async"
	case StrictSync:
		return "strict_sync"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// ParseMode reads SYNC, ASYNC or STRICT_SYNC (any case).
func ParseMode(s string) (Mode, error) {
	switch strings.ToUpper(s) {
	case "SYNC":
		return Sync, nil
	case "ASYNC":
		return Async, nil
	case "STRICT_SYNC":
		return StrictSync, nil
	}
	return 0, fmt.Errorf("replication: unknown replication mode %q (want SYNC, ASYNC or STRICT_SYNC)", s)
}

// waits reports whether MAIN waits for replicas of this mode.
func (m Mode) waits() bool { return m == Sync || m == StrictSync }

// Tuning holds the protocol's bounds and timeouts; zero fields take the
// defaults below.
type Tuning struct {
	// Retry is the period of MAIN's tick: retransmission of what is not
	// confirmed, handshakes, heartbeats (default 20ms).
	Retry time.Duration
	// AckTimeout is how long a waited replica may leave a commit
	// unconfirmed (or a prepare unanswered) before MAIN asks to take it out
	// of the in-sync set (default 250ms).
	AckTimeout time.Duration
	// Window bounds the transactions in flight to one replica (default 256).
	Window int
	// Batch bounds the transactions in one Append (default 64).
	Batch int
	// Queue bounds the transactions waiting for one replica; a replica that
	// falls further behind is caught up from the WAL (default 4096).
	Queue int
	// Tail is how many recent commits MAIN keeps in memory to hand a
	// replica over from the WAL to the live stream (default 4096).
	Tail int
	// WatermarkDelay is how long, with MainConfig.SendOnFlush, a grown
	// watermark waits to ride on the next batch's Append before MAIN sends
	// it alone in a heartbeat (default 2ms). Under load the next batch
	// comes sooner, so replicas learn it at no cost; when writes pause,
	// their reads see the last commits that much later.
	WatermarkDelay time.Duration
	// AsyncAckDelay is how long an ASYNC replica may hold a confirmation
	// to cover more transactions with one Ack (default Retry/4, and at most
	// Retry/2, so a stream that is confirmed is never mistaken for a lost
	// one and sent again). Replicas without a clock confirm at once.
	AsyncAckDelay time.Duration
}

// maxAckDelay bounds the AckDelay a replica accepts from MAIN.
const maxAckDelay = time.Second

func (t *Tuning) defaults() {
	if t.Retry <= 0 {
		t.Retry = 20 * time.Millisecond
	}
	if t.AckTimeout <= 0 {
		t.AckTimeout = 250 * time.Millisecond
	}
	if t.Window <= 0 {
		t.Window = 256
	}
	if t.Batch <= 0 {
		t.Batch = 64
	}
	if t.Queue <= 0 {
		t.Queue = 4096
	}
	if t.Tail <= 0 {
		t.Tail = 4096
	}
	if t.WatermarkDelay <= 0 {
		t.WatermarkDelay = 2 * time.Millisecond
	}
	if t.AsyncAckDelay <= 0 {
		t.AsyncAckDelay = t.Retry / 4
	}
	t.AsyncAckDelay = min(t.AsyncAckDelay, t.Retry/2, maxAckDelay)
}
