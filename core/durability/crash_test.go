package durability

import (
	"errors"
	"flag"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var crashSeeds = flag.Int("crash-seeds", 300, "seeds for TestCrashRecovery")

// crashCoverage counts the situations the crashes hit, so a run that never
// crashed during a snapshot (say) shows.
type crashCoverage struct {
	crashes, duringSync, duringTwoSyncs, duringRotation, duringSnapshot, buffered, torn, faults, failed int
	failedBehind                                                                                        int // a failed fsync with a later batch in flight behind it
}

// TestCrashRecovery runs, per seed, several lives of a Store on the
// simulated disk: random commits, snapshots and fsync completions, then a
// crash at a random point (with or without torn writes). After each
// recovery the state must be exactly commits 1..k in order for some k at
// least the last completed commit and at most the last appended one.
// Stores keep one to three fsyncs in flight; commits complete in order, and
// none after one that failed.
func TestCrashRecovery(t *testing.T) {
	var cov crashCoverage
	for seed := 1; seed <= *crashSeeds; seed++ {
		crashSeed(t, uint64(seed), &cov)
		if t.Failed() {
			t.Fatalf("seed %d failed; rerun with -run TestCrashRecovery -crash-seeds %d", seed, seed)
		}
	}
	t.Logf("coverage: %+v", cov)
	if *crashSeeds >= 100 && (cov.duringSync == 0 || cov.duringTwoSyncs == 0 || cov.failedBehind == 0 || cov.duringRotation == 0 || cov.duringSnapshot == 0 || cov.buffered == 0 || cov.torn == 0 || cov.failed == 0) {
		t.Fatalf("crashes did not hit every situation: %+v", cov)
	}
}

func crashSeed(t *testing.T, seed uint64, cov *crashCoverage) {
	fs, s, rng := newSimFS(seed)
	opts := Options{
		SegmentSize:       int64(150 + rng.IntN(2000)),
		SnapshotRetention: 1 + rng.IntN(3),
		SnapshotChunkSize: 32 + rng.IntN(400),
		SyncDepth:         1 + rng.IntN(3),
	}
	if rng.IntN(2) == 0 {
		opts.Defer = func(f func()) { s.After(0, f) }
	}
	var completed, appended int64
	for life := 0; life < 4; life++ {
		m := newModel()
		st, rec, err := Open(fs, nopLog(), opts, m)
		if err != nil {
			t.Fatalf("seed %d life %d: open: %v", seed, life, err)
		}
		k := int64(rec.LastTS)
		if k < completed || k > appended {
			t.Fatalf("seed %d life %d: recovered up to %d, completed %d, appended %d", seed, life, k, completed, appended)
		}
		if d := cmp.Diff(prefixState(k).v, m.v, dcmp); d != "" {
			t.Fatalf("seed %d life %d: state is not commits 1..%d:\n%s", seed, life, k, d)
		}
		appended, completed = k, k
		var failedAt int64 // the first commit of this life that failed
		steps := rng.IntN(80)
		for i := 0; i < steps; i++ {
			switch r := rng.IntN(10); {
			case r < 5:
				appended++
				ts := appended
				st.Append(1, uint64(ts), txDeltas(ts), func(err error) {
					if err != nil {
						if failedAt == 0 || ts < failedAt {
							failedAt = ts
						}
						if len(st.inflight) > 0 {
							cov.failedBehind++
						}
						return
					}
					if ts < completed {
						t.Fatalf("seed %d life %d: commit %d completed after %d", seed, life, ts, completed)
					}
					if failedAt != 0 && ts > failedAt {
						t.Fatalf("seed %d life %d: commit %d completed after %d failed", seed, life, ts, failedAt)
					}
					completed = ts
				})
			case r < 6 && completed > 0:
				st.Snapshot(SnapshotInfo{Epoch: 1, TS: uint64(completed)}, prefixState(completed).source(), func(error) {})
			case r < 7 && rng.IntN(25) == 0:
				// A failed write or fsync stops the log until restart.
				if rng.IntN(2) == 0 {
					fs.FailNextSync(errors.New("injected EIO"))
				} else {
					fs.FailNextWrite(errors.New("injected EIO"))
				}
				cov.faults++
			default:
				for n := rng.IntN(4); n >= 0; n-- {
					s.step()
				}
			}
		}
		cov.crashes++
		if len(st.inflight) > 0 {
			cov.duringSync++
		}
		if len(st.inflight) > 1 {
			cov.duringTwoSyncs++
		}
		if st.barrier > 0 && st.cur != nil {
			cov.duringRotation++
		}
		if st.snapshot {
			cov.duringSnapshot++
		}
		if len(st.buf) > 0 {
			cov.buffered++
		}
		if st.failed != nil {
			cov.failed++
		}
		before := fs.Faults().TornFiles
		fs.Crash(rng.IntN(2) == 0)
		s.q = nil // the node's pending events die with it
		if fs.Faults().TornFiles > before {
			cov.torn++
		}
	}
}
