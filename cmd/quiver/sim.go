package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/quiverdb/quiver/sim"
)

func init() {
	commands["sim"] = command{
		summary: "run deterministic simulator scenarios (--seed N replays one)",
		run:     runSim,
	}
}

// runSim runs one seeded scenario (--seed) or a sweep (--seeds), printing a
// replay command for every failing seed.
func runSim(args []string) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	seed := fs.Uint64("seed", 0, "run the scenario with this seed and print its result")
	seeds := fs.Uint64("seeds", 0, "sweep this many seeds, starting at --from")
	from := fs.Uint64("from", 1, "first seed of a sweep")
	nodes := fs.Int("nodes", 5, "cluster size")
	faultTime := fs.Duration("fault-time", 5*time.Second, "simulated time with faults")
	liveTime := fs.Duration("liveness-time", 10*time.Second, "simulated time to converge after healing")
	twice := fs.Bool("twice", false, "run every seed twice and fail on differing fingerprints")
	verbose := fs.Bool("v", false, "print every seed's result in a sweep")
	trace := fs.Bool("trace", false, "with --seed: print the run's event log")
	workers := fs.Int("workers", 1, "split a sweep over this many processes (crypto/rand.Reader is process-wide)")
	if err := parseFlags(fs, args, "quiver sim --seed N | --seeds N [--workers 2] [--twice]"); err != nil {
		return err
	}
	if *workers > 1 && *seeds > 1 {
		return sweepProcesses(*workers, *from, *seeds, args)
	}
	opts := sim.PingOptions{Nodes: *nodes, FaultTime: *faultTime, LivenessTime: *liveTime}
	if *trace && *seeds == 0 {
		opts.Trace = func(line string) { fmt.Println(line) }
	}
	if *seeds == 0 {
		if *seed == 0 {
			return errors.New("give --seed N or --seeds N")
		}
		r, err := runSeed(*seed, opts, *twice)
		fmt.Println(r)
		return err
	}
	return sweep(*from, *seeds, opts, *twice, *verbose)
}

// runSeed runs one seed, twice if asked, and reports a failure or a
// determinism break as an error.
func runSeed(seed uint64, opts sim.PingOptions, twice bool) (sim.Result, error) {
	r := sim.RunPingScenario(seed, opts)
	if r.Err != nil {
		return r, r.Err
	}
	if twice {
		r2 := sim.RunPingScenario(seed, opts)
		if r2.Fingerprint != r.Fingerprint || r2.Events != r.Events {
			line, a, b, _ := sim.Divergence(seed, opts)
			return r, fmt.Errorf("not deterministic: second run %v; traces part at line %d:\n  %s\n  %s", r2, line, a, b)
		}
	}
	return r, nil
}

func sweep(from, n uint64, opts sim.PingOptions, twice, verbose bool) error {
	start := time.Now()
	var faults sim.FaultCounts
	var events, failed uint64
	for seed := from; seed < from+n; seed++ {
		r, err := runSeed(seed, opts, twice)
		faults.Add(r.Faults)
		events += r.Events
		if verbose {
			fmt.Println(r)
		}
		if err != nil {
			failed++
			if r.Err == nil { // a determinism break: the result itself passed
				fmt.Printf("FAIL %v\n", err)
			}
			fmt.Printf("%v\n  replay: go run ./cmd/quiver sim --seed %d%s\n", r, seed, replayFlags(opts))
		}
	}
	wall := time.Since(start)
	fmt.Printf("%d seeds (%d..%d), %d failed, %d events in %v (%.0f events/s)\nfaults: %v\n",
		n, from, from+n-1, failed, events, wall.Round(time.Millisecond), float64(events)/wall.Seconds(), faults)
	if failed > 0 {
		return fmt.Errorf("%d of %d seeds failed", failed, n)
	}
	return nil
}

// replayFlags repeats the non-default options in a replay command.
func replayFlags(o sim.PingOptions) string {
	s := ""
	if o.Nodes != 5 {
		s += fmt.Sprintf(" --nodes %d", o.Nodes)
	}
	if o.FaultTime != 5*time.Second {
		s += " --fault-time " + o.FaultTime.String()
	}
	if o.LivenessTime != 10*time.Second {
		s += " --liveness-time " + o.LivenessTime.String()
	}
	return s
}

// sweepProcesses runs a sweep as workers child processes of this binary, each
// on its own slice of the seeds, streaming their output.
func sweepProcesses(workers int, from, n uint64, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if uint64(workers) > n {
		workers = int(n)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
	)
	per := n / uint64(workers)
	for i := 0; i < workers; i++ {
		lo := from + uint64(i)*per
		cnt := per
		if i == workers-1 {
			cnt = from + n - lo
		}
		child := append([]string{"sim"}, args...)
		child = append(child, "--workers", "1", "--from", fmt.Sprint(lo), "--seeds", fmt.Sprint(cnt))
		cmd := exec.Command(self, child...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cmd.Run(); err != nil {
				mu.Lock()
				failed = append(failed, fmt.Errorf("seeds %d..%d: %w", lo, lo+cnt-1, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(failed...)
}
