package tck

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// Runner runs scenarios against fresh engines.
type Runner struct {
	// Dir is the TCK directory (holding features/ and graphs/).
	Dir string
	// New makes the engine for each scenario.
	New Factory
	// Timeout bounds one scenario (0: 10 s). A scenario that overruns fails;
	// its goroutine is abandoned.
	Timeout time.Duration
}

// Outcome is the verdict on one scenario.
type Outcome struct {
	Scenario *Scenario
	Passed   bool
	// Reason says why it failed ("" when it passed).
	Reason string
	// Elapsed is how long the scenario ran.
	Elapsed time.Duration
}

// Run runs one scenario. It never panics: a panicking or hanging engine
// fails the scenario.
func (r *Runner) Run(s *Scenario) Outcome {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		done <- r.runSteps(s)
	}()
	start := time.Now()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return Outcome{Scenario: s, Reason: err.Error(), Elapsed: time.Since(start)}
		}
		return Outcome{Scenario: s, Passed: true, Elapsed: time.Since(start)}
	case <-timer.C:
		return Outcome{Scenario: s, Reason: fmt.Sprintf("timed out after %v", timeout), Elapsed: time.Since(start)}
	}
}

// scenarioState is what the steps of one scenario share.
type scenarioState struct {
	r        *Runner
	eng      Engine
	params   map[string]value.Value
	before   *Graph // the graph before the query under test
	ran      bool   // the query under test has run
	res      *Result
	err      *QueryError
	verified bool // a Then step checked the outcome
}

var errorStep = regexp.MustCompile(`^an? (\w+) should be raised at (compile time|runtime|any time): (.+)$`)

func (r *Runner) runSteps(s *Scenario) error {
	eng, err := r.New()
	if err != nil {
		return fmt.Errorf("creating the engine: %w", err)
	}
	st := &scenarioState{r: r, eng: eng, params: map[string]value.Value{}}
	for i := range s.Steps {
		if err := st.step(&s.Steps[i]); err != nil {
			return fmt.Errorf("step %q: %w", s.Steps[i].Text, err)
		}
	}
	if !st.verified {
		return errors.New("no step checked the outcome")
	}
	return nil
}

func (st *scenarioState) step(step *Step) error {
	text := step.Text
	switch {
	case text == "an empty graph" || text == "any graph":
		return nil
	case strings.HasPrefix(text, "the ") && strings.HasSuffix(text, " graph"):
		return st.namedGraph(strings.TrimSuffix(strings.TrimPrefix(text, "the "), " graph"))
	case text == "having executed:":
		return st.setup(step.DocString)
	case text == "parameters are:":
		return st.setParams(step.Table)
	case strings.HasPrefix(text, "there exists a procedure"):
		return st.procedure(text, step.Table)
	case text == "executing query:":
		return st.execute(step.DocString, true)
	case text == "executing control query:":
		return st.execute(step.DocString, false)
	case text == "the result should be empty":
		return st.checkResult(Expected{}, true)
	case strings.HasPrefix(text, "the result should be"):
		return st.checkTable(text, step.Table)
	case text == "no side effects":
		return st.checkSideEffects(NoSideEffects())
	case text == "the side effects should be:":
		want, err := ParseSideEffects(step.Table)
		if err != nil {
			return err
		}
		return st.checkSideEffects(want)
	}
	if m := errorStep.FindStringSubmatch(text); m != nil {
		return st.checkError(m[1], m[2], m[3])
	}
	return errors.New("unknown step")
}

func (st *scenarioState) namedGraph(name string) error {
	dir := filepath.Join(st.r.Dir, "graphs", name)
	meta, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		return err
	}
	var desc struct {
		Scripts []string `json:"scripts"`
	}
	if err := json.Unmarshal(meta, &desc); err != nil {
		return fmt.Errorf("%s.json: %w", name, err)
	}
	for _, script := range desc.Scripts {
		q, err := os.ReadFile(filepath.Join(dir, script+".cypher"))
		if err != nil {
			return err
		}
		if err := st.setup(string(q)); err != nil {
			return fmt.Errorf("graph %s: %w", name, err)
		}
	}
	return nil
}

func (st *scenarioState) procedure(text string, table [][]string) error {
	p, err := ParseProcedure(text, table)
	if err != nil {
		return err
	}
	reg, ok := st.eng.(ProcedureRegistry)
	if !ok {
		return errors.New("the engine does not support test procedures")
	}
	return reg.RegisterProcedure(p)
}

func (st *scenarioState) setup(q string) error {
	_, err := st.eng.Execute(q, nil)
	if err != nil {
		return fmt.Errorf("setup query failed: %w", err)
	}
	return nil
}

func (st *scenarioState) setParams(table [][]string) error {
	for _, row := range table {
		if len(row) != 2 {
			return fmt.Errorf("parameter row %q needs two cells", row)
		}
		v, err := ParseValue(row[1])
		if err != nil {
			return err
		}
		st.params[row[0]] = v
	}
	return nil
}

// execute runs the query under test (main) or a control query.
func (st *scenarioState) execute(q string, main bool) error {
	if main {
		g, err := st.eng.Graph()
		if err != nil {
			return fmt.Errorf("reading the graph: %w", err)
		}
		st.before, st.ran = g, true
	}
	res, err := st.eng.Execute(q, st.params)
	st.res, st.err = res, nil
	if err != nil {
		var qe *QueryError
		if !errors.As(err, &qe) {
			return fmt.Errorf("engine fault: %w", err)
		}
		st.res, st.err = nil, qe
	}
	return nil
}

// outcome returns the last result, or an error when there is none.
func (st *scenarioState) outcome() (*Result, error) {
	if !st.ran {
		return nil, errors.New("no query was executed")
	}
	if st.err != nil {
		return nil, fmt.Errorf("query failed: %w", st.err)
	}
	return st.res, nil
}

func (st *scenarioState) checkResult(exp Expected, empty bool) error {
	res, err := st.outcome()
	if err != nil {
		return err
	}
	st.verified = true
	if empty {
		if len(res.Rows) != 0 {
			return fmt.Errorf("want no rows, got %d:\n%s", len(res.Rows), describe(Expected{}, res.Rows))
		}
		return nil
	}
	return CompareResult(exp, res)
}

func (st *scenarioState) checkTable(text string, table [][]string) error {
	var exp Expected
	var err error
	switch text {
	case "the result should be, in any order:":
		exp, err = ParseTable(table)
	case "the result should be, in order:":
		exp, err = ParseTable(table)
		exp.Ordered = true
	case "the result should be (ignoring element order for lists):":
		exp, err = ParseTable(table)
		exp.IgnoreListOrder = true
	case "the result should be, in order (ignoring element order for lists):":
		exp, err = ParseTable(table)
		exp.Ordered, exp.IgnoreListOrder = true, true
	default:
		return errors.New("unknown result step")
	}
	if err != nil {
		return err
	}
	return st.checkResult(exp, false)
}

func (st *scenarioState) checkError(typ, phase, detail string) error {
	if !st.ran {
		return errors.New("no query was executed")
	}
	if st.err == nil {
		return fmt.Errorf("want %s at %s: %s, but the query succeeded with %d rows", typ, phase, detail, len(st.res.Rows))
	}
	e := st.err
	if e.Type != typ || (phase != "any time" && e.Phase != phase) || (detail != "*" && e.Detail != detail) {
		return fmt.Errorf("want %s at %s: %s, got %v", typ, phase, detail, e)
	}
	st.verified = true
	// A failed query leaves the graph as it was.
	return st.checkSideEffects(NoSideEffects())
}

func (st *scenarioState) checkSideEffects(want SideEffects) error {
	if !st.ran {
		return errors.New("no query was executed")
	}
	after, err := st.eng.Graph()
	if err != nil {
		return fmt.Errorf("reading the graph: %w", err)
	}
	return want.Compare(Diff(st.before, after))
}

// RunAll runs scenarios on up to workers goroutines and returns their
// outcomes in the order given.
func (r *Runner) RunAll(scenarios []*Scenario, workers int) []Outcome {
	if workers < 1 {
		workers = 1
	}
	out := make([]Outcome, len(scenarios))
	next := make(chan int)
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			for i := range next {
				out[i] = r.Run(scenarios[i])
			}
			done <- struct{}{}
		}()
	}
	for i := range scenarios {
		next <- i
	}
	close(next)
	for w := 0; w < workers; w++ {
		<-done
	}
	return out
}
