//go:build replbug_readpast

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"watermark", "replica-reads"}

// plantedFailover: the test counts any seed.
const plantedFailover = 0
