// Command tck runs the openCypher TCK against Quiver's Cypher engine and
// prints pass counts per category; its last line reads
// "tck: PASSED/TOTAL scenarios passed".
//
//	go run ./internal/tck/cmd/tck [-run REGEXP | -name ID] [-v] [-write-passing FILE]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"time"

	"github.com/quiverdb/quiver/internal/tck"
	"github.com/quiverdb/quiver/internal/tck/cypherdb"
	"github.com/quiverdb/quiver/internal/tck/graphdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tck:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "TCK directory holding features/ and graphs/ (default: $QUIVER_TCK_DIR or ../shared/tck)")
	runRE := flag.String("run", "", "run only scenarios whose ID matches this regular expression")
	name := flag.String("name", "", "run only the scenario with exactly this ID (as listed in passing.txt)")
	verbose := flag.Bool("v", false, "print every failing scenario with its reason")
	slow := flag.Int("slow", 0, "print the N slowest scenarios with their times")
	reasons := flag.Int("reasons", 0, "print the N most common kinds of failure, with counts and an example")
	passingOut := flag.String("write-passing", "", "write the IDs of the passing scenarios to this file")
	timeout := flag.Duration("timeout", 30*time.Second, "time limit per scenario")
	backend := flag.String("backend", "graph", "storage under the engine: graph (core/graph MVCC transactions) or mem (cyphertest)")
	workers := flag.Int("j", runtime.GOMAXPROCS(0), "scenarios run in parallel")
	flag.Parse()
	if *dir == "" {
		d, err := tck.FindDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	all, err := tck.LoadFeatures(filepath.Join(*dir, "features"))
	if err != nil {
		return err
	}
	re, err := regexp.Compile(*runRE)
	if err != nil {
		return err
	}
	var selected []*tck.Scenario
	for i := range all {
		if re.MatchString(all[i].ID) && (*name == "" || all[i].ID == *name) {
			selected = append(selected, &all[i])
		}
	}
	factories := map[string]tck.Factory{"graph": graphdb.New, "mem": cypherdb.New}
	factory, ok := factories[*backend]
	if !ok {
		return fmt.Errorf("unknown backend %q (graph or mem)", *backend)
	}
	r := &tck.Runner{Dir: *dir, New: factory, Timeout: *timeout}
	if len(selected) == 0 {
		return fmt.Errorf("no scenario matches")
	}
	outs := r.RunAll(selected, *workers)
	var passing []string
	for _, o := range outs {
		if o.Passed {
			passing = append(passing, o.Scenario.ID)
		} else if *verbose || len(selected) <= 5 {
			fmt.Printf("FAIL %s (%s:%d)\n  %s\n", o.Scenario.ID, o.Scenario.File, o.Scenario.Line, o.Reason)
		}
	}
	if *passingOut != "" {
		if err := tck.WritePassing(*passingOut, passing); err != nil {
			return err
		}
	}
	if *slow > 0 {
		byTime := append([]tck.Outcome(nil), outs...)
		sort.Slice(byTime, func(i, j int) bool { return byTime[i].Elapsed > byTime[j].Elapsed })
		for i := 0; i < *slow && i < len(byTime); i++ {
			fmt.Printf("%8.2fs  %s\n", byTime[i].Elapsed.Seconds(), byTime[i].Scenario.ID)
		}
	}
	if *reasons > 0 {
		for i, rc := range tck.FailureReasons(outs) {
			if i == *reasons {
				break
			}
			fmt.Printf("%5d  %s\n       e.g. %s\n", rc.Count, rc.Reason, rc.Example)
		}
	}
	tck.WriteReport(os.Stdout, outs)
	return nil
}
