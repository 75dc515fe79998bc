//go:build !replbug_oldepoch

package replication

// bugAcceptOldEpoch is off: the planted bug (a replica accepts a MAIN of an older epoch) is only built with the replbug_oldepoch tag.
const bugAcceptOldEpoch = false
