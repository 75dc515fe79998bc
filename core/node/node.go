// Package node defines the contract between a deterministic node of core and
// the host that drives it: the Env the host provides and the Node interface it
// calls, never two calls at once.
//
// # Lifecycle
//
// A node's life has four moments, the same for every kind of node (data
// instance, coordinator):
//
//  1. Start(env) recovers the node's state from env.FS and arms its timers.
//     An error means the node cannot run at all (corrupt files, say); the
//     host drops it.
//  2. Readiness: once the node can serve (for a data instance, its recovered
//     state is durable and visible), it calls env.Ready(nil), once. If
//     something keeps it from ever becoming ready it calls env.Ready(err)
//     instead. Ready may run inside Start or later, from a callback.
//  3. Stop(done) begins a clean shutdown: the node stops its timers, refuses
//     new work and finishes writing what it must (a final snapshot, its log
//     synced and closed). Until done runs the host keeps delivering the
//     node's timers and completions, since that writing finishes through
//     them; done runs once, on the node's loop (possibly before Stop
//     returns), with the first error of the shutdown's writing. After done
//     the host drops the node.
//  4. A crash is the host dropping the node at any moment without Stop:
//     every pending timer and completion is lost with it.
//
// Hosts wait on these callbacks (a channel fed by the callback, an event in
// the simulator), never by polling the node's state.
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
	// Ready, when set, is called once on the node's loop: with nil when the
	// node can serve, or with the error that keeps it from becoming ready.
	Ready func(err error)
}

// Node is what both hosts drive: never two calls at once.
type Node interface {
	// Start recovers from env.FS and arms timers; readiness follows through
	// env.Ready.
	Start(env Env) error
	// Receive handles a message delivered from another node.
	Receive(from string, msg net.Message)
	// Stop begins a clean shutdown and calls done on the node's loop once it
	// has finished writing. The host calls it at most once.
	// A crash is the host dropping the node without calling Stop.
	Stop(done func(error))
}

// ReportReady calls env.Ready with err when the host registered it.
func (env Env) ReportReady(err error) {
	if env.Ready != nil {
		env.Ready(err)
	}
}
