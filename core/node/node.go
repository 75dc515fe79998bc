// Package node defines the contract between a deterministic node of core and
// the host that drives it: the Env the host provides and the Node interface it
// calls, never two calls at once.
package node

import (
	"math/rand/v2"

	"go.uber.org/zap"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/disk"
	"github.com/quiverdb/quiver/net"
)

// Env is everything a node may touch. The host builds it; the node keeps it.
type Env struct {
	Clock clock.Clock  // wall Now (may jump), Monotonic (drifts, never jumps), AfterFunc
	Net   net.Endpoint // Send(to, msg); delivery arrives as Receive calls
	FS    disk.FS      // files; Sync completes asynchronously, as an event
	Rand  *rand.Rand   // seeded by the host; every random value comes from it
	Log   *zap.Logger  // structured logs
}

// Node is what both hosts drive: never two calls at once.
type Node interface {
	// Start recovers from env.FS and arms timers.
	Start(env Env) error
	// Receive handles a message delivered from another node.
	Receive(from string, msg net.Message)
	// Stop shuts the node down cleanly. A crash is the host dropping the node
	// without calling Stop.
	Stop()
}
