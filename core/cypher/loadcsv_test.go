package cypher_test

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/core/cypher/cyphertest"
)

// memFiles is a FileSource over in-memory files that counts open files.
type memFiles struct {
	files map[string]string
	open  int
}

func (m *memFiles) Open(name string) (io.ReadCloser, error) {
	s, ok := m.files[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	m.open++
	return &memFile{Reader: strings.NewReader(s), m: m}, nil
}

type memFile struct {
	*strings.Reader
	m      *memFiles
	closed bool
}

func (f *memFile) Close() error {
	if f.closed {
		return errors.New("closed twice")
	}
	f.closed = true
	f.m.open--
	return nil
}

var csvFiles = map[string]string{
	"people.csv": "id,name,age\n1,Ann,30\n2,\"Bo, Jr.\",\n3,Cy,NA\n",
	"plain.csv":  "a,b\n\nc\n",
	"semi.csv":   "x;'y;z'\n",
	"bad.csv":    "id,name\n1,ok\n2,b\"ad\n3,fine\n4,too,many\n5,last\n",
	"dup.csv":    "a,a\n1,2\n",
	"empty.csv":  "",
	"edges.csv":  "from,to\n1,2\n2,3\n",
}

func TestLoadCSV(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"LOAD CSV FROM 'people.csv' WITH HEADER AS row RETURN row.id, row.name, row.age",
			"row.id | row.name | row.age\n'1' | 'Ann' | '30'\n'2' | 'Bo, Jr.' | ''\n'3' | 'Cy' | 'NA'\n"},
		{"LOAD CSV FROM 'people.csv' WITH HEADER NULLIF 'NA' AS row RETURN row.age",
			"row.age\n'30'\n''\nnull\n"},
		{"LOAD CSV FROM 'plain.csv' NO HEADER AS row RETURN row, size(row)",
			"row | size(row)\n['a', 'b'] | 2\n['c'] | 1\n"},
		{"LOAD CSV FROM 'plain.csv' AS row RETURN count(*)", "count(*)\n2\n"},
		{"LOAD CSV FROM 'semi.csv' NO HEADER DELIMITER ';' QUOTE \"'\" AS row RETURN row",
			"row\n['x', 'y;z']\n"},
		{"LOAD CSV FROM 'empty.csv' WITH HEADER AS row RETURN row", "row\n"},
		{"UNWIND ['plain.csv', 'semi.csv'] AS f LOAD CSV FROM f AS row RETURN f, row[0]",
			"f | row[0]\n'plain.csv' | 'a'\n'plain.csv' | 'c'\n'semi.csv' | 'x;'y;z''\n"},
		{"LOAD CSV FROM 'bad.csv' WITH HEADER IGNORE BAD AS row RETURN row.id",
			"row.id\n'1'\n'3'\n'5'\n"},
		// The row variable in nested scopes: rebound by WITH, shadowed by a
		// comprehension, imported by a subquery, collected and unwound.
		{"LOAD CSV FROM 'people.csv' WITH HEADER AS row WITH row.name AS row RETURN row",
			"row\n'Ann'\n'Bo, Jr.'\n'Cy'\n"},
		{"LOAD CSV FROM 'people.csv' WITH HEADER AS row RETURN [row IN [row.id, row.name] | row + '!'] AS l",
			"l\n['1!', 'Ann!']\n['2!', 'Bo, Jr.!']\n['3!', 'Cy!']\n"},
		{"UNWIND [1, 2] AS i LOAD CSV FROM 'plain.csv' AS row RETURN i, row[0]",
			"i | row[0]\n1 | 'a'\n1 | 'c'\n2 | 'a'\n2 | 'c'\n"},
		{"LOAD CSV FROM 'plain.csv' AS row CALL { WITH row RETURN row[0] AS first } RETURN row, first",
			"row | first\n['a', 'b'] | 'a'\n['c'] | 'c'\n"},
		{"LOAD CSV FROM 'people.csv' WITH HEADER AS row MERGE (p:P {id: row.id}) ON CREATE SET p.name = row.name RETURN p.id, p.name",
			"p.id | p.name\n'1' | 'Ann'\n'2' | 'Bo, Jr.'\n'3' | 'Cy'\n"},
		{"LOAD CSV FROM 'people.csv' WITH HEADER AS row WITH collect(row) AS rows UNWIND rows AS row RETURN row.id ORDER BY row.id DESC",
			"row.id\n'3'\n'2'\n'1'\n"},
		// Bad input: clear errors naming the file and the line.
		{"LOAD CSV FROM 'bad.csv' WITH HEADER AS row RETURN row.id",
			"row.id\n'1'\nerror: ExternalResourceFailed (InvalidCsvRow): LOAD CSV \"bad.csv\" line 3: a quote (\") inside an unquoted field (quote the whole field and double the quote)\n"},
		{"LOAD CSV FROM 'bad.csv' WITH HEADER AS row WITH row WHERE row.id <> '2' RETURN row.id",
			"row.id\n'1'\nerror: ExternalResourceFailed (InvalidCsvRow): LOAD CSV \"bad.csv\" line 3: a quote (\") inside an unquoted field (quote the whole field and double the quote)\n"},
		{"LOAD CSV FROM 'dup.csv' WITH HEADER AS row RETURN row",
			"row\nerror: ExternalResourceFailed (InvalidCsvHeader): LOAD CSV \"dup.csv\" line 1: the header names column \"a\" twice\n"},
		{"LOAD CSV FROM 'missing.csv' AS row RETURN row",
			"row\nerror: ExternalResourceFailed (FileOpenFailed): LOAD CSV cannot open \"missing.csv\": file does not exist\n"},
		{"LOAD CSV FROM 'plain.csv' DELIMITER ';;' AS row RETURN row",
			"row\nerror: ArgumentError (InvalidArgumentValue): LOAD CSV DELIMITER must be one character, got \";;\"\n"},
		{"LOAD CSV FROM 'plain.csv' DELIMITER ',' QUOTE ',' AS row RETURN row",
			"row\nerror: ArgumentError (InvalidArgumentValue): LOAD CSV: the CSV delimiter and quote are both ','\n"},
		{"LOAD CSV FROM 1 AS row RETURN row",
			"row\nerror: TypeError (InvalidArgumentType): LOAD CSV FROM must be a String, got Integer\n"},
		{"LOAD CSV FROM 'plain.csv' AS row RETURN row, x",
			"error: SyntaxError (UndefinedVariable) at line 1, column 46: variable `x` not defined\n"},
		{"WITH 1 AS row LOAD CSV FROM 'plain.csv' AS row RETURN row",
			"error: SyntaxError (VariableAlreadyBound) at line 1, column 15: variable `row` already declared\n"},
		{"LOAD CSV 'plain.csv' AS row RETURN row",
			"error: SyntaxError (UnexpectedSyntax) at line 1, column 10: unexpected \"'plain.csv'\", expected FROM\n"},
	} {
		files := &memFiles{files: csvFiles}
		e := cypher.NewEngine(cypher.Options{Files: files})
		got := run(t, e, cyphertest.New(), c.q)
		if got != c.want {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", c.q, got, c.want)
		}
		if files.open != 0 {
			t.Errorf("%s: %d files left open", c.q, files.open)
		}
	}
}

func TestLoadCSVCreatesAndDisabled(t *testing.T) {
	files := &memFiles{files: csvFiles}
	e := cypher.NewEngine(cypher.Options{Files: files})
	g := cyphertest.New()
	got := run(t, e, g, "LOAD CSV FROM 'people.csv' WITH HEADER AS row CREATE (:P {id: toInteger(row.id), name: row.name})")
	got += run(t, e, g, "LOAD CSV FROM 'edges.csv' WITH HEADER AS row MATCH (a:P {id: toInteger(row.from)}), (b:P {id: toInteger(row.to)}) CREATE (a)-[:N]->(b)")
	got += run(t, e, g, "MATCH (a:P)-[:N]->(b) RETURN a.name, b.name ORDER BY a.name")
	if want := "\n\na.name | b.name\n'Ann' | 'Bo, Jr.'\n'Bo, Jr.' | 'Cy'\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	off := cypher.NewEngine(cypher.Options{})
	got = run(t, off, cyphertest.New(), "LOAD CSV FROM 'people.csv' AS row RETURN row")
	if !strings.Contains(got, "no import directory") {
		t.Errorf("LOAD CSV without a FileSource: %s", got)
	}
}

// TestLoadCSVCloseEarly: a result abandoned mid-file closes the file.
func TestLoadCSVCloseEarly(t *testing.T) {
	files := &memFiles{files: csvFiles}
	e := cypher.NewEngine(cypher.Options{Files: files})
	res, err := e.Run(cyphertest.New(), "LOAD CSV FROM 'people.csv' AS row RETURN row", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := res.Next(); !ok || err != nil {
		t.Fatalf("first row: %v %v", ok, err)
	}
	if files.open != 1 {
		t.Fatalf("%d files open mid-stream, want 1", files.open)
	}
	res.Close()
	if files.open != 0 {
		t.Fatalf("%d files open after Close", files.open)
	}
}

func TestLoadCSVParse(t *testing.T) {
	q, err := cypher.Parse("LOAD CSV FROM $f WITH HEADER IGNORE BAD DELIMITER '|' QUOTE '\\'' NULLIF '' AS r RETURN r")
	if err != nil {
		t.Fatal(err)
	}
	if got := cypher.Dump(q); !strings.Contains(got, `LOAD CSV FROM $f WITH HEADER IGNORE BAD DELIMITER "|" QUOTE "'" NULLIF "" AS r`) {
		t.Errorf("dump: %s", got)
	}
}
