package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestSimCommand(t *testing.T) {
	if err := runSim([]string{"--seeds", "3", "--twice"}); err != nil {
		t.Fatalf("sweep of 3 seeds: %v", err)
	}
	if err := runSim([]string{"--seed", "7", "--fault-time", "1s", "--liveness-time", "5s"}); err != nil {
		t.Fatalf("one seed: %v", err)
	}
	if err := runSim(nil); err == nil {
		t.Fatal("no seed given: want an error")
	}
}

// TestSimCommandReplays runs one seed in two processes and compares output.
func TestSimCommandReplays(t *testing.T) {
	if os.Getenv("QUIVER_SIM_CMD_CHILD") != "" {
		if err := runSim([]string{"--seed", "11"}); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	run := func() string {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestSimCommandReplays$")
		cmd.Env = append(os.Environ(), "QUIVER_SIM_CMD_CHILD=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "seed=11 fingerprint=") {
		t.Fatalf("two processes printed\n%s\n%s", a, b)
	}
}
