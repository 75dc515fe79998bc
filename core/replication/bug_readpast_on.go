//go:build replbug_readpast

package replication

// bugReadPastWatermark plants a bug for the checkers to catch: a replica serves reads up to what it holds, past MAIN's watermark.
const bugReadPastWatermark = true
