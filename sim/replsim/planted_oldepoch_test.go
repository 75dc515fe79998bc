//go:build replbug_oldepoch

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"applied-by-main"}

// plantedReported are measured and reported only.
var plantedReported []string

// plantedFailover: the test counts seeds with the operator failover, whose old MAIN returns with its older epoch.
const plantedFailover = 1

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = false
