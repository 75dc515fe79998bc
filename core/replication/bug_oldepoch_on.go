//go:build replbug_oldepoch

package replication

// bugAcceptOldEpoch plants a bug for the checkers to catch: a replica accepts a MAIN of an older epoch.
const bugAcceptOldEpoch = true
