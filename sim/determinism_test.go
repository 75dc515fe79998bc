package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// determinismSeeds is how many seeds TestDeterminism runs twice each.
const determinismSeeds = 200

// replayEnv lists the seeds a child process replays for TestDeterminism.
const replayEnv = "QUIVER_SIM_REPLAY_SEEDS"

// TestDeterminism runs every seed twice in this process and requires identical
// results, distinct fingerprints across seeds, and identical results again for
// a sample of seeds replayed in a fresh process.
func TestDeterminism(t *testing.T) {
	got := make(map[uint64]Result, determinismSeeds)
	bySum := map[uint64]uint64{}
	var faults FaultCounts
	var events uint64
	for seed := uint64(1); seed <= determinismSeeds; seed++ {
		a := RunPingScenario(seed, PingOptions{})
		b := RunPingScenario(seed, PingOptions{})
		if a.Err != nil {
			t.Fatalf("replay with: go run ./cmd/quiver sim --seed %d\n%v", seed, a)
		}
		if a.Fingerprint != b.Fingerprint || a.Events != b.Events || a.Faults != b.Faults || a.SimTime != b.SimTime {
			line, x, y, _ := Divergence(seed, PingOptions{})
			t.Fatalf("seed %d not deterministic:\n first %v\nsecond %v\ntraces part at line %d:\n %s\n %s", seed, a, b, line, x, y)
		}
		if other, dup := bySum[a.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %016x", other, seed, a.Fingerprint)
		}
		bySum[a.Fingerprint] = seed
		got[seed] = a
		faults.Add(a.Faults)
		events += a.Events
	}
	t.Logf("%d seeds x2 identical, %d events per run on average, faults: %v", determinismSeeds, events/determinismSeeds, faults)
	for k, n := range faults {
		if n == 0 {
			t.Errorf("no %v fault in %d seeds: the nemesis does not exercise it", FaultKind(k), determinismSeeds)
		}
	}

	var sample []string
	for seed := uint64(1); seed <= determinismSeeds; seed += 10 {
		sample = append(sample, strconv.FormatUint(seed, 10))
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestDeterminismReplayChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), replayEnv+"="+strings.Join(sample, ","))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("replay process: %v\n%s", err, out)
	}
	replayed := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var seed, fp, ev uint64
		if _, err := fmt.Sscanf(sc.Text(), "REPLAY seed=%d fingerprint=%x events=%d", &seed, &fp, &ev); err != nil {
			continue
		}
		want := got[seed]
		if fp != want.Fingerprint || ev != want.Events {
			t.Errorf("seed %d in a fresh process: fingerprint %016x events %d, want %016x events %d",
				seed, fp, ev, want.Fingerprint, want.Events)
		}
		replayed++
	}
	if replayed != len(sample) {
		t.Fatalf("fresh process replayed %d of %d seeds:\n%s", replayed, len(sample), out)
	}
	t.Logf("%d seeds replayed in a fresh process with identical fingerprints", replayed)
}

// TestDeterminismReplayChild is the fresh process of TestDeterminism: it runs
// the seeds listed in QUIVER_SIM_REPLAY_SEEDS and prints their results.
func TestDeterminismReplayChild(t *testing.T) {
	list := os.Getenv(replayEnv)
	if list == "" {
		t.Skip("run by TestDeterminism in a child process")
	}
	for _, s := range strings.Split(list, ",") {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("bad seed %q: %v", s, err)
		}
		r := RunPingScenario(seed, PingOptions{})
		fmt.Printf("REPLAY seed=%d fingerprint=%016x events=%d\n", seed, r.Fingerprint, r.Events)
	}
}

// TestDeterminismDivergenceFinder checks that Divergence finds nothing in a
// deterministic run and that FirstDivergence pinpoints a planted
// nondeterminism: a world event whose time depends on state shared across runs.
func TestDeterminismDivergenceFinder(t *testing.T) {
	if _, _, _, d := Divergence(5, PingOptions{}); d {
		t.Fatal("Divergence reported a difference in a deterministic run")
	}
	runs := 0
	line, a, b, d := FirstDivergence(func(trace func(string)) {
		runs++
		w := NewWorld(Options{Seed: 1, Trace: trace})
		w.After(time.Second, func() {})
		w.After(time.Duration(runs)*time.Millisecond, func() {}) // differs between runs
		w.RunFor(2 * time.Second)
	})
	if !d || line != 1 || !strings.Contains(a, " 1ms world") || !strings.Contains(b, " 2ms world") {
		t.Fatalf("planted divergence reported at line %d: %q vs %q (diverged %v)", line, a, b, d)
	}
}
