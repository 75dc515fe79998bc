package tck

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// ProcParam is one declared input or output of a test procedure.
type ProcParam struct {
	Name string
	Type string // INTEGER?, STRING?, NUMBER?, ...
}

// ProcedureSpec is a procedure a scenario declares with "there exists a
// procedure name(inputs) :: (outputs):" and a table: each row gives input
// values followed by the output values the call yields for them.
type ProcedureSpec struct {
	Name    string
	Inputs  []ProcParam
	Outputs []ProcParam
	Rows    [][]value.Value
}

// Call returns the output rows of the table rows whose inputs are
// equivalent to args (null matches null).
func (p ProcedureSpec) Call(args []value.Value) [][]value.Value {
	var out [][]value.Value
	for _, r := range p.Rows {
		match := len(args) == len(p.Inputs)
		for i := 0; match && i < len(args); i++ {
			match = value.Equivalent(r[i], args[i])
		}
		if match {
			out = append(out, r[len(p.Inputs):])
		}
	}
	return out
}

// ProcedureEngine is implemented by engines that can register the test
// procedures scenarios declare.
type ProcedureEngine interface {
	RegisterProcedure(ProcedureSpec) error
}

var procStep = regexp.MustCompile(`^there exists a procedure ([\w.]+)\((.*?)\)\s*::\s*\((.*?)\)\s*:$`)

// ParseProcedure reads a procedure declaration step and its table.
func ParseProcedure(text string, table [][]string) (ProcedureSpec, error) {
	m := procStep.FindStringSubmatch(text)
	if m == nil {
		return ProcedureSpec{}, fmt.Errorf("cannot read the procedure signature %q", text)
	}
	spec := ProcedureSpec{Name: m[1]}
	var err error
	if spec.Inputs, err = parseProcParams(m[2]); err != nil {
		return ProcedureSpec{}, err
	}
	if spec.Outputs, err = parseProcParams(m[3]); err != nil {
		return ProcedureSpec{}, err
	}
	if len(table) < 2 {
		return spec, nil
	}
	width := len(spec.Inputs) + len(spec.Outputs)
	for _, row := range table[1:] {
		if len(row) != width {
			return ProcedureSpec{}, fmt.Errorf("procedure table row has %d cells, want %d", len(row), width)
		}
		vals := make([]value.Value, width)
		for i, cell := range row {
			if vals[i], err = ParseValue(cell); err != nil {
				return ProcedureSpec{}, err
			}
		}
		spec.Rows = append(spec.Rows, vals)
	}
	return spec, nil
}

func parseProcParams(s string) ([]ProcParam, error) {
	var out []ProcParam
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, typ, ok := strings.Cut(part, "::")
		if !ok {
			return nil, errors.New("procedure parameter without a type: " + part)
		}
		out = append(out, ProcParam{Name: strings.TrimSpace(name), Type: strings.TrimSpace(typ)})
	}
	return out, nil
}
