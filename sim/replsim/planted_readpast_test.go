//go:build replbug_readpast

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"watermark", "replica-reads"}

// plantedReported are measured and reported only.
var plantedReported []string

// plantedFailover: the test counts any seed.
const plantedFailover = 0

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = false
