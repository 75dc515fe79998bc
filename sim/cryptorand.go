package sim

import (
	crand "crypto/rand"
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// SeedCryptoRand points crypto/rand.Reader at a deterministic stream derived
// from seed and returns a function that restores the previous reader. etcd
// raft draws its randomized election timeouts from crypto/rand.Reader, so
// every run sets it from its seed before starting nodes. The reader is
// process-wide: runs that set it must not overlap in one process (parallel
// sweeps use processes, not goroutines).
func SeedCryptoRand(seed uint64) (restore func()) {
	prev := crand.Reader
	crand.Reader = NewSeededReader(seed)
	return func() { crand.Reader = prev }
}

// NewSeededReader returns a deterministic byte stream (ChaCha8) keyed by seed.
func NewSeededReader(seed uint64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:8], seed)
	copy(key[8:], "quiver-sim-crypto-rand-v1")
	return rand.NewChaCha8(key)
}
