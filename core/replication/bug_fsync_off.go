//go:build !replbug_fsync

package replication

// bugAckBeforeFsync is off: the planted bug (a replica confirms a transaction before its fsync completes) is only built with the replbug_fsync tag.
const bugAckBeforeFsync = false
