package cypher

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/quiverdb/quiver/core/cypher/csvread"
	"github.com/quiverdb/quiver/core/value"
)

// FileSource opens the files LOAD CSV reads. The host decides which names
// may be opened (the server confines them to --import-directory); core
// itself never touches a file system.
type FileSource interface {
	// Open opens the named file for reading, or explains why it may not.
	Open(name string) (io.ReadCloser, error)
}

// CodeExternalResource is the status of a LOAD CSV file that cannot be
// opened or read, or holds a malformed row.
const CodeExternalResource = "Neo.ClientError.Statement.ExternalResourceFailed"

// LoadCSVClause is Memgraph's LOAD CSV FROM file [WITH HEADER | NO HEADER]
// [IGNORE BAD] [DELIMITER d] [QUOTE q] [NULLIF s] AS var.
type LoadCSVClause struct {
	clauseNode
	File      Expr
	Header    bool
	IgnoreBad bool
	Delimiter Expr // nil: ","
	Quote     Expr // nil: "\""
	NullIf    Expr // nil: no field reads as null
	Var       string
}

// parseLoadCSV parses what follows LOAD.
func (p *parser) parseLoadCSV(cn clauseNode) Clause {
	p.expect("CSV")
	p.expect("FROM")
	c := &LoadCSVClause{clauseNode: cn, File: p.parseExpr()}
	switch {
	case p.accept("WITH"):
		p.expect("HEADER")
		c.Header = true
	case p.accept("NO"):
		p.expect("HEADER")
	}
	if p.accept("IGNORE") {
		p.expect("BAD")
		c.IgnoreBad = true
	}
	if p.accept("DELIMITER") {
		c.Delimiter = p.parseExpr()
	}
	if p.accept("QUOTE") {
		c.Quote = p.parseExpr()
	}
	if p.accept("NULLIF") {
		c.NullIf = p.parseExpr()
	}
	p.expect("AS")
	c.Var = p.symbolicName("a variable")
	return c
}

// dumpLoadCSV is the clause in Dump's notation.
func dumpLoadCSV(x *LoadCSVClause) string {
	s := "LOAD CSV FROM " + exprString(x.File)
	if x.Header {
		s += " WITH HEADER"
	} else {
		s += " NO HEADER"
	}
	if x.IgnoreBad {
		s += " IGNORE BAD"
	}
	for _, o := range []struct {
		kw string
		e  Expr
	}{{"DELIMITER", x.Delimiter}, {"QUOTE", x.Quote}, {"NULLIF", x.NullIf}} {
		if o.e != nil {
			s += " " + o.kw + " " + exprString(o.e)
		}
	}
	return s + " AS " + x.Var
}

// loadCSV compiles the clause: its expressions see the scope before it.
func (c *compiler) loadCSV(x *LoadCSVClause, sc scope) []stage {
	for _, e := range []Expr{x.File, x.Delimiter, x.Quote, x.NullIf} {
		if e != nil {
			c.checkExpr(e, sc, false)
		}
	}
	if _, ok := sc[x.Var]; ok {
		panic(syntaxErr(x.P, "VariableAlreadyBound", "variable `%s` already declared", x.Var))
	}
	c.bind(sc, x.Var, kAny)
	return []stage{{desc: "LoadCsv", build: func(in op, est *estimator) op { return &loadCSVOp{in: in, x: x, slot: est.slot(x.Var)} }}}
}

// loadCSVOp streams a file's rows for each input row, one record in memory
// at a time.
type loadCSVOp struct {
	in     op
	x      *LoadCSVClause
	cur    row
	slot   int // the slot of the row variable
	name   string
	file   io.ReadCloser
	rd     *csvread.Reader
	header []string
	nullIf *string
}

func (o *loadCSVOp) next(c *execCtx) (row, error) {
	for {
		if o.rd == nil {
			r, err := o.in.next(c)
			if err != nil || r == nil {
				return nil, err
			}
			if err := o.open(c, r); err != nil {
				return nil, err
			}
			o.cur = r
		}
		if err := c.guard.Tick(); err != nil { // interrupts and the memory bound reach a long load
			o.close()
			return nil, err
		}
		rec, line, err := o.rd.Next()
		if err != nil {
			if err := o.fail(err); err != nil {
				o.close()
				return nil, err
			}
			continue
		}
		if o.x.Header && o.header == nil {
			if err := o.setHeader(rec, line); err != nil {
				o.close()
				return nil, err
			}
			continue
		}
		v, err := o.value(rec, line)
		if err != nil {
			if o.x.IgnoreBad {
				continue
			}
			o.close()
			return nil, err
		}
		return o.cur.with(o.slot, v), nil
	}
}

// fail decides what a reader error means: the end of the file closes it
// (nil, reader gone); a malformed row under IGNORE BAD is skipped (nil,
// reader kept); anything else is the query's error.
func (o *loadCSVOp) fail(err error) error {
	var re *csvread.RowError
	switch {
	case err == io.EOF:
		o.close()
		return nil
	case errors.As(err, &re) && o.x.IgnoreBad:
		return nil
	case re != nil:
		return runtimeErr(CodeExternalResource, "InvalidCsvRow", "LOAD CSV %s line %d: %s", o.name, re.Line, re.Msg)
	}
	return runtimeErr(CodeExternalResource, "FileReadFailed", "LOAD CSV cannot read %s: %v", o.name, err)
}

func (o *loadCSVOp) setHeader(rec []string, line int) error {
	seen := make(map[string]bool, len(rec))
	for _, h := range rec {
		if seen[h] {
			return runtimeErr(CodeExternalResource, "InvalidCsvHeader", "LOAD CSV %s line %d: the header names column %q twice", o.name, line, h)
		}
		seen[h] = true
	}
	o.header = rec
	return nil
}

// value is a record as a list of strings, or a map under WITH HEADER;
// fields equal to NULLIF's string are null.
func (o *loadCSVOp) value(rec []string, line int) (value.Value, error) {
	field := func(s string) value.Value {
		if o.nullIf != nil && s == *o.nullIf {
			return nil
		}
		return s
	}
	if !o.x.Header {
		l := make(value.List, len(rec))
		for i, s := range rec {
			l[i] = field(s)
		}
		return l, nil
	}
	if len(rec) != len(o.header) {
		return nil, runtimeErr(CodeExternalResource, "InvalidCsvRow", "LOAD CSV %s line %d: %d fields, but the header has %d", o.name, line, len(rec), len(o.header))
	}
	m := make(value.Map, len(rec))
	for i, s := range rec {
		m[o.header[i]] = field(s)
	}
	return m, nil
}

// open evaluates the clause's options for input row r and opens the file.
func (o *loadCSVOp) open(c *execCtx, r row) error {
	name, err := o.str(c, r, o.x.File, "FROM", "")
	if err != nil {
		return err
	}
	delim, err := o.char(c, r, o.x.Delimiter, "DELIMITER", ',')
	if err != nil {
		return err
	}
	quote, err := o.char(c, r, o.x.Quote, "QUOTE", '"')
	if err != nil {
		return err
	}
	o.nullIf = nil
	if o.x.NullIf != nil {
		s, err := o.str(c, r, o.x.NullIf, "NULLIF", "")
		if err != nil {
			return err
		}
		o.nullIf = &s
	}
	if c.files == nil {
		return runtimeErr(CodeExternalResource, "FileAccessDisabled", "LOAD CSV is not available: this server has no import directory (--import-directory)")
	}
	f, err := c.files.Open(name)
	if err != nil {
		return runtimeErr(CodeExternalResource, "FileOpenFailed", "LOAD CSV cannot open %q: %v", name, err)
	}
	rd, err := csvread.New(f, delim, quote)
	if err != nil {
		_ = f.Close()
		return runtimeErr(CodeArgumentError, "InvalidArgumentValue", "LOAD CSV: %v", err)
	}
	o.name, o.file, o.rd, o.header = fmt.Sprintf("%q", name), f, rd, nil
	c.closers = append(c.closers, o.close)
	return nil
}

func (o *loadCSVOp) str(c *execCtx, r row, e Expr, what, def string) (string, error) {
	if e == nil {
		return def, nil
	}
	v, err := c.eval(e, r)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", typeErr("LOAD CSV %s must be a String, got %s", what, typeName(v))
	}
	return s, nil
}

func (o *loadCSVOp) char(c *execCtx, r row, e Expr, what string, def rune) (rune, error) {
	s, err := o.str(c, r, e, what, string(def))
	if err != nil {
		return 0, err
	}
	if utf8.RuneCountInString(s) != 1 {
		return 0, runtimeErr(CodeArgumentError, "InvalidArgumentValue", "LOAD CSV %s must be one character, got %q", what, s)
	}
	ch, _ := utf8.DecodeRuneInString(s)
	return ch, nil
}

// close closes the current file, if any.
func (o *loadCSVOp) close() {
	if o.file != nil {
		_ = o.file.Close()
	}
	o.file, o.rd = nil, nil
}
