package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/scenarios"
)

func TestSimCommand(t *testing.T) {
	var out bytes.Buffer
	if err := runSim([]string{"--seeds", "3"}, &out); err != nil {
		t.Fatalf("sweep of 3 seeds: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ping: 3 seeds (1..3) each run twice, 0 failed, 6 runs") {
		t.Fatalf("sweep summary: %s", out.String())
	}
	for _, sc := range scenarios.All() {
		out.Reset()
		if err := runSim([]string{"--scenario", sc.Name, "--seed", "7", "--twice"}, &out); err != nil {
			t.Fatalf("%s seed 7: %v\n%s", sc.Name, err, out.String())
		}
		if !strings.HasPrefix(out.String(), "seed=7 fingerprint=") {
			t.Fatalf("%s seed 7 printed %q", sc.Name, out.String())
		}
	}
	if err := runSim([]string{"--seed", "7", "--fault-time", "1s", "--liveness-time", "5s"}, &out); err != nil {
		t.Fatalf("one seed with options: %v", err)
	}
	if err := runSim(nil, &out); err == nil {
		t.Fatal("no seed given: want an error")
	}
	if err := runSim([]string{"--scenario", "nope", "--seed", "1"}, &out); err == nil || !strings.Contains(err.Error(), "ping") {
		t.Fatalf("unknown scenario: %v", err)
	}
}

// cmdChildEnv carries the arguments a child process passes to `quiver`.
const cmdChildEnv = "QUIVER_SIM_CMD_ARGS"

// runQuiver runs `quiver ARGS...` in a fresh process (this test binary,
// standing in for the quiver binary) and returns its output.
func runQuiver(t *testing.T, args []string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSimReplaysInFreshProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), cmdChildEnv+"="+strings.Join(args, " "))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child quiver %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var (
	replayLineRE = regexp.MustCompile(`(?m)^  replay: (quiver sim --scenario \S+ --seed \d+)$`)
	resultRE     = regexp.MustCompile(`(?m)^seed=(\d+) fingerprint=([0-9a-f]+) events=(\d+)`)
)

// TestSimReplaysInFreshProcess: a failing seed of a sweep prints exactly
// `quiver sim --scenario NAME --seed N`; running that line in a fresh
// process reproduces the run's fingerprint and event count. The failure is
// injected into the sweep's verdict for one seed, not into the run, so the
// replay (which runs the registered scenario) must reproduce the same run.
func TestSimReplaysInFreshProcess(t *testing.T) {
	if args := os.Getenv(cmdChildEnv); args != "" {
		f := strings.Fields(args)
		if len(f) == 0 || f[0] != "sim" {
			t.Fatalf("child: not a sim command: %q", args)
		}
		// The run's result goes to stdout; a run that fails its checks
		// still printed the fingerprint to compare.
		if err := runSim(f[1:], os.Stdout); err != nil {
			t.Log(err)
		}
		return
	}
	for _, name := range []string{"ping", "instance", "register", "replication"} {
		real, err := scenarios.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		failing := real
		failing.Run = func(seed uint64, o sim.RunOptions) sim.Result {
			r := real.Run(seed, o)
			if seed == 2 {
				r.Err = errInjected
			}
			return r
		}
		var out bytes.Buffer
		if err := sweep(&out, failing, 1, 3, sim.RunOptions{}, true, false); err == nil {
			t.Fatalf("%s: the sweep with a failing seed passed:\n%s", name, out.String())
		}
		lines := replayLineRE.FindAllStringSubmatch(out.String(), -1)
		if len(lines) != 1 || lines[0][1] != "quiver sim --scenario "+name+" --seed 2" {
			t.Fatalf("%s: replay lines %q in:\n%s", name, lines, out.String())
		}
		printed := resultRE.FindStringSubmatch(out.String())
		if printed == nil || printed[1] != "2" {
			t.Fatalf("%s: the failing result is not printed:\n%s", name, out.String())
		}
		args := strings.Fields(lines[0][1])[1:] // drop "quiver"
		child := runQuiver(t, args)
		got := resultRE.FindStringSubmatch(child)
		if got == nil {
			t.Fatalf("%s: the replay printed no result:\n%s", name, child)
		}
		if got[2] != printed[2] || got[3] != printed[3] {
			t.Fatalf("%s: replay in a fresh process: fingerprint %s events %s, the sweep printed %s events %s",
				name, got[2], got[3], printed[2], printed[3])
		}
		t.Logf("%s: %q replayed in a fresh process: fingerprint %s, %s events", name, lines[0][1], got[2], got[3])
	}
}

var errInjected = errors.New("injected failure")
