//go:build !replbug_readpast

package replication

// bugReadPastWatermark is off: the planted bug (a replica serves reads up to what it holds, past MAIN's watermark) is only built with the replbug_readpast tag.
const bugReadPastWatermark = false
