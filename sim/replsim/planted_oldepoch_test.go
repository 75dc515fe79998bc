//go:build replbug_oldepoch

package replsim

// plantedCheckers must each catch the planted bug alone: followed-epochs
// sees r2's handshake with the stale MAIN itself; applied-by-main only what
// r2 applied from it (nothing, when r2 returns to the new MAIN first).
var plantedCheckers = []string{"followed-epochs", "applied-by-main"}

// plantedReported are measured and reported only.
var plantedReported []string

// plantedFailover: the test counts seeds with the operator failover, whose
// old MAIN returns with its older epoch.
const plantedFailover = 1

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = false
