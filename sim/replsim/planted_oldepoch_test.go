//go:build replbug_oldepoch

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"applied-by-main"}

// plantedReported are measured and reported only.
var plantedReported []string

// plantedFailover: the test counts seeds with the operator failover whose
// old MAIN returns with its older epoch still shipping to r2 (one whose
// restarts lost commits r2 holds reports r2 diverged and sends it nothing,
// so the bug cannot show).
const plantedFailover = 1

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = false
