//go:build replbug_oldepoch

package replsim

// plantedCheckers must each catch the planted bug alone: followed-epochs
// sees r2's handshake with the stale MAIN itself.
var plantedCheckers = []string{"followed-epochs"}

// plantedReported are measured and reported only: applied-by-main sees the
// bug only when r2 applies something from the stale MAIN, which it does not
// when r2 returns to the new MAIN first.
var plantedReported = []string{"applied-by-main"}

// plantedFailover: the test counts seeds with the operator failover whose
// deposed MAIN shook hands with r2 under its older epoch (seen on the
// wire): one that holds r2 diverged (its restarts lost commits r2 holds)
// sends r2 nothing, so the bug cannot show.
const plantedFailover = 2

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = false
