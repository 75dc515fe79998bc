//go:build replbug_fsync

package replsim

// plantedCheckers must each catch the planted bug alone.
var plantedCheckers = []string{"acked-on-in-sync-replicas", "in-sync-replica-recovery"}

// plantedFailover: the test counts seeds without the failover: their SYNC replica r1 is crashed (with it, r1 is spared until replication state survives restarts).
const plantedFailover = -1
