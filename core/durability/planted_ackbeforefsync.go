//go:build plantedbug_ackbeforefsync

package durability

// plantedAckBeforeFsync plants a durability bug for the simulator's
// checkers to catch (go test -tags plantedbug_ackbeforefsync): group commit
// completes a batch's commits as soon as its records are written, before
// the fsync that would make them durable.
const plantedAckBeforeFsync = true
