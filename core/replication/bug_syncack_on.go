//go:build replbug_syncack

package replication

// bugSyncAckEarly plants a bug for the checkers to catch: MAIN acknowledges SYNC commits without waiting for the in-sync replicas.
const bugSyncAckEarly = true
