// Package simtest holds the simulator's test harness: the determinism check
// every kind of node joins (DESIGN.md: the same seed gives the same run, in
// this process and in a fresh one).
package simtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/sim"
)

// replayEnv carries the seeds a child process replays.
const replayEnv = "QUIVER_SIM_REPLAY_SEEDS"

// Determinism runs seeds 1..n of the scenario twice each and fails t unless both runs
// of every seed agree (fingerprint, event count, simulated time, faults),
// every run passed its own checks, and no two seeds share a fingerprint. It
// then replays every tenth seed in a fresh process (this test binary, running
// only t's test) and requires the same fingerprints there. It returns the
// results by seed.
//
// Call it from a test whose name contains "Determinism"; in the child
// process the same call replays the seeds it is given and prints them.
// A failure names the line that replays it (sim.ReplayLine).
func Determinism(t *testing.T, n int, sc sim.Scenario) map[uint64]sim.Result {
	t.Helper()
	run := func(seed uint64, trace func(string)) sim.Result {
		return sc.Run(seed, sim.RunOptions{Trace: trace})
	}
	if list := os.Getenv(replayEnv); list != "" {
		replayChild(t, list, run)
		return nil
	}
	got := make(map[uint64]sim.Result, n)
	bySum := map[uint64]uint64{}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		a, b := run(seed, nil), run(seed, nil)
		if a.Err != nil {
			t.Fatalf("%v\nreplay: %s", a, sim.ReplayLine(sc.Name, seed, sim.RunOptions{}))
		}
		if a.Fingerprint != b.Fingerprint || a.Events != b.Events || a.Faults != b.Faults || a.SimTime != b.SimTime {
			line, x, y, _ := sim.FirstDivergence(func(trace func(string)) { run(seed, trace) })
			t.Fatalf("seed %d not deterministic:\n first %v\nsecond %v\ntraces part at line %d:\n %s\n %s\nreplay: %s",
				seed, a, b, line, x, y, sim.ReplayLine(sc.Name, seed, sim.RunOptions{}))
		}
		if other, dup := bySum[a.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %016x", other, seed, a.Fingerprint)
		}
		bySum[a.Fingerprint] = seed
		got[seed] = a
	}
	replayInFreshProcess(t, n, got)
	return got
}

var replayLine = regexp.MustCompile(`^REPLAY seed=(\d+) fingerprint=([0-9a-f]+) events=(\d+)$`)

// replayInFreshProcess re-executes this test in a child process on every
// tenth seed and compares.
func replayInFreshProcess(t *testing.T, n int, got map[uint64]sim.Result) {
	t.Helper()
	var sample []string
	for seed := 1; seed <= n; seed += 10 {
		sample = append(sample, strconv.Itoa(seed))
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), replayEnv+"="+strings.Join(sample, ","))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("replay process: %v\n%s", err, out)
	}
	replayed := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := replayLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		seed, _ := strconv.ParseUint(m[1], 10, 64)
		fp, _ := strconv.ParseUint(m[2], 16, 64)
		ev, _ := strconv.ParseUint(m[3], 10, 64)
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
	t.Logf("%d seeds x2 identical; %d replayed in a fresh process with identical fingerprints", n, replayed)
}

// replayChild is the fresh process: it runs the listed seeds and prints them.
func replayChild(t *testing.T, list string, run func(seed uint64, trace func(string)) sim.Result) {
	for _, s := range strings.Split(list, ",") {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("bad seed %q: %v", s, err)
		}
		r := run(seed, nil)
		fmt.Printf("REPLAY seed=%d fingerprint=%016x events=%d\n", seed, r.Fingerprint, r.Events)
	}
}
