//go:build !replbug_syncack

package replication

// bugSyncAckEarly is off: the planted bug (MAIN acknowledges SYNC commits without waiting for the in-sync replicas) is only built with the replbug_syncack tag.
const bugSyncAckEarly = false
