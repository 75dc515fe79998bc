// Package tck runs the openCypher Technology Compatibility Kit against a
// Cypher engine: it reads the TCK's Gherkin features (expanding Scenario
// Outlines), runs each scenario on a fresh database, compares results,
// errors and side effects as the TCK README defines them, and reports pass
// counts per category (feature directory).
package tck

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// Scenario is one runnable TCK scenario: a plain Scenario, or one Examples
// row of a Scenario Outline.
type Scenario struct {
	// ID names the scenario uniquely and stably: the feature file's path
	// under features/ without ".feature", the scenario's name as written,
	// and for outline rows "#n" (1-based row number across its Examples).
	ID string
	// Category is the feature file's directory under features/, such as
	// "clauses/match".
	Category string
	// File and Line locate the scenario (or the Examples row).
	File string
	Line int64
	// Tags are the scenario's tags (@ignore, ...).
	Tags []string
	// Steps are the steps with outline placeholders substituted.
	Steps []Step
}

// Step is one Gherkin step.
type Step struct {
	Text      string
	DocString string     // "" when the step has none
	Table     [][]string // nil when the step has none
}

// LoadFeatures reads every .feature file under dir (the TCK's features
// directory), in path order.
func LoadFeatures(dir string) ([]Scenario, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".feature") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Scenario
	for _, f := range files {
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		scs, err := ParseFeature(filepath.ToSlash(rel), string(data))
		if err != nil {
			return nil, err
		}
		out = append(out, scs...)
	}
	return out, nil
}

// ParseFeature parses one feature file's text; rel is its path under
// features/ (used for IDs and the category).
func ParseFeature(rel, text string) ([]Scenario, error) {
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(text), (&messages.Incrementing{}).NewId)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	if doc.Feature == nil {
		return nil, nil
	}
	scenarios, rows := indexAST(doc.Feature)
	base := strings.TrimSuffix(rel, ".feature")
	category := filepath.ToSlash(filepath.Dir(rel))
	var out []Scenario
	for _, p := range gherkin.Pickles(*doc, rel, (&messages.Incrementing{}).NewId) {
		sc := scenarios[p.AstNodeIds[0]]
		id := base + " " + sc.Name
		if len(p.AstNodeIds) > 1 {
			id += fmt.Sprintf(" #%d", rows[p.AstNodeIds[1]])
		}
		s := Scenario{ID: id, Category: category, File: rel, Line: p.Location.Line}
		for _, t := range p.Tags {
			s.Tags = append(s.Tags, t.Name)
		}
		for _, st := range p.Steps {
			s.Steps = append(s.Steps, pickleStep(st))
		}
		out = append(out, s)
	}
	return out, nil
}

// indexAST maps scenario ids to scenarios and example row ids to their
// 1-based position within their outline.
func indexAST(f *messages.Feature) (map[string]*messages.Scenario, map[string]int) {
	scenarios := map[string]*messages.Scenario{}
	rows := map[string]int{}
	add := func(sc *messages.Scenario) {
		scenarios[sc.Id] = sc
		n := 0
		for _, ex := range sc.Examples {
			for _, r := range ex.TableBody {
				n++
				rows[r.Id] = n
			}
		}
	}
	for _, c := range f.Children {
		if c.Scenario != nil {
			add(c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					add(rc.Scenario)
				}
			}
		}
	}
	return scenarios, rows
}

func pickleStep(st *messages.PickleStep) Step {
	s := Step{Text: strings.TrimSpace(st.Text)}
	if a := st.Argument; a != nil {
		if a.DocString != nil {
			s.DocString = a.DocString.Content
		}
		if a.DataTable != nil {
			s.Table = [][]string{}
			for _, r := range a.DataTable.Rows {
				var row []string
				for _, c := range r.Cells {
					row = append(row, c.Value)
				}
				s.Table = append(s.Table, row)
			}
		}
	}
	return s
}
