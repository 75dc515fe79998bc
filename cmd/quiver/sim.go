package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/scenarios"
)

func init() {
	commands["sim"] = command{
		summary: "run deterministic simulator scenarios (--scenario NAME --seed N replays one)",
		run:     func(args []string) error { return runSim(args, os.Stdout) },
	}
}

// simFlags are the parsed flags of `quiver sim`.
type simFlags struct {
	sc      sim.Scenario
	opts    sim.RunOptions
	seed    uint64
	seeds   uint64
	from    uint64
	once    bool
	twice   bool
	verbose bool
	workers int
}

// parseSim parses the flags of `quiver sim`.
func parseSim(args []string) (*simFlags, error) {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	name := fs.String("scenario", scenarios.Default, "the scenario to run (--list names them)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	f := &simFlags{}
	fs.Uint64Var(&f.seed, "seed", 0, "run the scenario with this seed once and print its result")
	fs.Uint64Var(&f.seeds, "seeds", 0, "sweep this many seeds, starting at --from, each run twice")
	fs.Uint64Var(&f.from, "from", 1, "first seed of a sweep")
	fs.IntVar(&f.opts.Nodes, "nodes", 0, "cluster size, for scenarios that have one (0: the scenario's default)")
	fs.DurationVar(&f.opts.FaultTime, "fault-time", 0, "simulated time with faults (0: the scenario's default)")
	fs.DurationVar(&f.opts.LivenessTime, "liveness-time", 0, "simulated time to converge after healing (0: the scenario's default)")
	fs.StringVar(&f.opts.ArtifactDir, "artifacts", "", "directory for failure artifacts such as HTML histories (default: the temporary directory)")
	fs.BoolVar(&f.once, "once", false, "in a sweep, run each seed once instead of twice")
	fs.BoolVar(&f.twice, "twice", false, "with --seed, run it twice and fail on differing fingerprints")
	fs.BoolVar(&f.verbose, "v", false, "print every seed's result in a sweep")
	trace := fs.Bool("trace", false, "with --seed: print the run's event log")
	fs.IntVar(&f.workers, "workers", 1, "split a sweep over this many processes (crypto/rand.Reader is process-wide)")
	if err := parseFlags(fs, args, "quiver sim [--scenario NAME] --seed N | --seeds N [--once] [--workers 2] | --list"); err != nil {
		return nil, err
	}
	if *list {
		for _, sc := range scenarios.All() {
			fmt.Printf("%-10s %s\n", sc.Name, sc.Doc)
		}
		return nil, nil
	}
	sc, err := scenarios.Lookup(*name)
	if err != nil {
		return nil, err
	}
	f.sc = sc
	if *trace && f.seeds == 0 {
		f.opts.Trace = func(line string) { fmt.Println(line) }
	}
	if f.seeds == 0 && f.seed == 0 {
		return nil, errors.New("give --seed N or --seeds N")
	}
	return f, nil
}

// runSim runs one seeded scenario (--seed) or a sweep (--seeds), printing to
// out the line that replays every failing seed.
func runSim(args []string, out io.Writer) error {
	f, err := parseSim(args)
	if f == nil || err != nil {
		return err
	}
	if f.seeds == 0 {
		r, err := runSeed(f.sc, f.seed, f.opts, f.twice)
		fmt.Fprintln(out, r)
		if err != nil {
			fmt.Fprintf(out, "  replay: %s\n", sim.ReplayLine(f.sc.Name, f.seed, f.opts))
		}
		return err
	}
	if f.workers > 1 && f.seeds > 1 {
		return sweepProcesses(f.workers, f.from, f.seeds, args)
	}
	return sweep(out, f.sc, f.from, f.seeds, f.opts, !f.once, f.verbose)
}

// runSeed runs one seed, twice if asked, and reports a failure or a
// determinism break as an error.
func runSeed(sc sim.Scenario, seed uint64, opts sim.RunOptions, twice bool) (sim.Result, error) {
	r := sc.Run(seed, opts)
	if r.Err != nil {
		return r, r.Err
	}
	if twice {
		r2 := sc.Run(seed, opts)
		if r2.Fingerprint != r.Fingerprint || r2.Events != r.Events {
			line, a, b, _ := sim.FirstDivergence(func(trace func(string)) {
				o := opts
				o.Trace = trace
				sc.Run(seed, o)
			})
			return r, fmt.Errorf("not deterministic: second run %v; traces part at line %d:\n  %s\n  %s", r2, line, a, b)
		}
	}
	return r, nil
}

// sweep runs seeds from..from+n-1 of sc, each twice when twice is set, and
// prints every failure followed by the line that replays it.
func sweep(out io.Writer, sc sim.Scenario, from, n uint64, opts sim.RunOptions, twice, verbose bool) error {
	start := time.Now()
	var faults sim.FaultCounts
	var events, failed, runs uint64
	var metrics metricSums
	for seed := from; seed < from+n; seed++ {
		r, err := runSeed(sc, seed, opts, twice)
		faults.Add(r.Faults)
		metrics.add(r.Metrics)
		events += r.Events
		runs++
		if twice && r.Err == nil {
			runs++ // a failing run is not repeated
		}
		if verbose {
			fmt.Fprintln(out, r)
		}
		if err != nil {
			failed++
			if r.Err == nil { // a determinism break: the result itself passed
				fmt.Fprintf(out, "FAIL %v\n", err)
			}
			if !verbose {
				fmt.Fprintln(out, r)
			}
			fmt.Fprintf(out, "  replay: %s\n", sim.ReplayLine(sc.Name, seed, opts))
		}
	}
	wall := time.Since(start)
	mode := "once"
	if twice {
		mode = "twice"
	}
	fmt.Fprintf(out, "%s: %d seeds (%d..%d) each run %s, %d failed, %d runs in %v (%.1f runs/s; first runs: %d events, faults %v)\n",
		sc.Name, n, from, from+n-1, mode, failed, runs, wall.Round(time.Millisecond),
		float64(runs)/wall.Seconds(), events, faults)
	if line := metrics.String(); line != "" {
		fmt.Fprintf(out, "%s: metrics over %d seeds: %s\n", sc.Name, n, line)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d seeds failed", failed, n)
	}
	return nil
}

// metricSums aggregates the runs' metrics by name, in first-seen order.
type metricSums struct {
	names []string
	sum   map[string]float64
	max   map[string]float64
	n     map[string]int
}

func (m *metricSums) add(ms []sim.Metric) {
	if m.sum == nil {
		m.sum, m.max, m.n = map[string]float64{}, map[string]float64{}, map[string]int{}
	}
	for _, x := range ms {
		if m.n[x.Name] == 0 {
			m.names = append(m.names, x.Name)
			m.max[x.Name] = x.Value
		}
		m.n[x.Name]++
		m.sum[x.Name] += x.Value
		m.max[x.Name] = max(m.max[x.Name], x.Value)
	}
}

// String renders each metric as "name mean=M max=X".
func (m *metricSums) String() string {
	parts := make([]string, 0, len(m.names))
	for _, name := range m.names {
		parts = append(parts, fmt.Sprintf("%s mean=%.4g max=%.4g", name, m.sum[name]/float64(m.n[name]), m.max[name]))
	}
	return strings.Join(parts, ", ")
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
