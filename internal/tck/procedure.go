package tck

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// Procedure is a test procedure that a scenario declares with "there exists
// a procedure NAME(IN :: TYPE, ...) :: (OUT :: TYPE, ...):" and a table whose
// rows give, for each combination of input values, the output values.
type Procedure struct {
	// Name is the qualified name, such as "test.my.proc".
	Name string
	// Inputs and Outputs are the signature's parameters and result columns.
	Inputs, Outputs []ProcParam
	// Rows hold the inputs followed by the outputs.
	Rows [][]value.Value
}

// ProcParam is one parameter or result column: a name and a Cypher type
// such as "INTEGER?" (the ? marks it nullable).
type ProcParam struct {
	Name, Type string
}

// ProcedureRegistry is implemented by engines that can host the TCK's test
// procedures; the runner calls it before the query under test. An engine
// without it fails the scenarios that declare procedures.
type ProcedureRegistry interface {
	RegisterProcedure(p Procedure) error
}

var procStep = regexp.MustCompile(`^there exists a procedure ([\w.]+)\(([^)]*)\)\s*::\s*\(([^)]*)\)\s*:$`)

// ParseProcedure reads a procedure step's text and table.
func ParseProcedure(text string, table [][]string) (Procedure, error) {
	m := procStep.FindStringSubmatch(text)
	if m == nil {
		return Procedure{}, fmt.Errorf("cannot read procedure signature %q", text)
	}
	p := Procedure{Name: m[1]}
	var err error
	if p.Inputs, err = parseParams(m[2]); err != nil {
		return p, err
	}
	if p.Outputs, err = parseParams(m[3]); err != nil {
		return p, err
	}
	n := len(p.Inputs) + len(p.Outputs)
	if len(table) == 0 {
		return p, fmt.Errorf("procedure %s: no table", p.Name)
	}
	header := nonEmpty(table[0])
	if len(header) != n {
		return p, fmt.Errorf("procedure %s: table has %d columns, the signature %d", p.Name, len(header), n)
	}
	for i, prm := range append(append([]ProcParam{}, p.Inputs...), p.Outputs...) {
		if header[i] != prm.Name {
			return p, fmt.Errorf("procedure %s: column %q where the signature has %q", p.Name, header[i], prm.Name)
		}
	}
	for _, row := range table[1:] {
		var vals []value.Value
		for _, cell := range row {
			v, err := ParseValue(cell)
			if err != nil {
				return p, err
			}
			vals = append(vals, v)
		}
		if len(vals) != n {
			return p, fmt.Errorf("procedure %s: a row has %d values, want %d", p.Name, len(vals), n)
		}
		p.Rows = append(p.Rows, vals)
	}
	return p, nil
}

// nonEmpty drops the empty cells a column-less table ("|") has.
func nonEmpty(cells []string) []string {
	var out []string
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

func parseParams(s string) ([]ProcParam, error) {
	var out []ProcParam
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, typ, ok := strings.Cut(part, "::")
		if !ok {
			return nil, fmt.Errorf("parameter %q has no type", part)
		}
		out = append(out, ProcParam{Name: strings.TrimSpace(name), Type: strings.TrimSpace(typ)})
	}
	return out, nil
}

// Call returns the output rows for the given arguments: the table rows
// whose input values equal the arguments (integers and floats compare by
// value, as Cypher's = does).
func (p Procedure) Call(args []value.Value) ([][]value.Value, error) {
	if len(args) != len(p.Inputs) {
		return nil, fmt.Errorf("procedure %s takes %d arguments, got %d", p.Name, len(p.Inputs), len(args))
	}
	var out [][]value.Value
	for _, row := range p.Rows {
		match := true
		for i, a := range args {
			if value.Equal(row[i], a) != value.TriTrue && !(row[i] == nil && a == nil) {
				match = false
				break
			}
		}
		if match {
			out = append(out, row[len(p.Inputs):])
		}
	}
	return out, nil
}
