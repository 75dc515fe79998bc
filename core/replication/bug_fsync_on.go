//go:build replbug_fsync

package replication

// bugAckBeforeFsync plants a bug for the checkers to catch: a replica confirms a transaction before its fsync completes.
const bugAckBeforeFsync = true
