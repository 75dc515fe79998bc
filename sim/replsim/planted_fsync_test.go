//go:build replbug_fsync

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"acked-on-in-sync-replicas"}

// plantedReported are measured and reported only: the recovery checker
// needs a crash of the SYNC replica inside the window the bug opens, and
// catches it in some 80-92 % of the seeds.
var plantedReported = []string{"in-sync-replica-recovery"}

// plantedFailover: the test counts seeds without the failover: their SYNC replica r1 is crashed (with it, r1 is spared until replication state survives restarts).
const plantedFailover = -1

// plantedWaited: only seeds that drew a SYNC or STRICT_SYNC replica count.
const plantedWaited = true
