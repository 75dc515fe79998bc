//go:build !plantedbug_ackbeforefsync

package durability

// plantedAckBeforeFsync is off: see planted_ackbeforefsync.go.
const plantedAckBeforeFsync = false
