package csvread

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll reads every record as "line: fields" or "line: error".
func readAll(t *testing.T, in string, delim, quote rune) []string {
	t.Helper()
	r, err := New(strings.NewReader(in), delim, quote)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		rec, line, err := r.Next()
		if err == io.EOF {
			return out
		}
		var re *RowError
		if errors.As(err, &re) {
			out = append(out, "error "+re.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d: %q", line, rec))
	}
}

func TestRecords(t *testing.T) {
	for _, c := range []struct {
		in          string
		delim, quot rune
		want        []string
	}{
		{"a,b,c\n1,2,3\n", ',', '"', []string{`1: ["a" "b" "c"]`, `2: ["1" "2" "3"]`}},
		{"a,b", ',', '"', []string{`1: ["a" "b"]`}},
		{"\ufeffa\r\n\r\nb,\n,\n", ',', '"', []string{`1: ["a"]`, `3: ["b" ""]`, `4: ["" ""]`}},
		{`"x,y","he said ""hi""",""` + "\n", ',', '"', []string{`1: ["x,y" "he said \"hi\"" ""]`}},
		{"\"multi\nline\",z\nnext\n", ',', '"', []string{`1: ["multi\nline" "z"]`, `3: ["next"]`}},
		{"a;'b;c';'it''s'\n", ';', '\'', []string{`1: ["a" "b;c" "it's"]`}},
		{"a\tb\tc", '\t', '"', []string{`1: ["a" "b" "c"]`}},
		{"é|ü|日本\n", '|', '"', []string{`1: ["é" "ü" "日本"]`}},
		{`""` + "\n", ',', '"', []string{`1: [""]`}},
		{"", ',', '"', nil},
		// Malformed rows: reported with their line; reading resumes on the next line.
		{"ok\nba\"d,x\nok2\n", ',', '"', []string{`1: ["ok"]`, `error line 2: a quote (") inside an unquoted field (quote the whole field and double the quote)`, `3: ["ok2"]`}},
		{"\"a\"b,c\nnext\n", ',', '"', []string{`error line 1: 'b' after the closing quote of a field (expected a delimiter or the end of the line)`, `2: ["next"]`}},
		{"x\n\"never closed\nmore\n", ',', '"', []string{`1: ["x"]`, `error line 2: a quoted field that starts on line 2 is not closed by the end of the file`}},
	} {
		if d := cmp.Diff(c.want, readAll(t, c.in, c.delim, c.quot)); d != "" {
			t.Errorf("%q (-want +got):\n%s", c.in, d)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, c := range [][2]rune{{',', ','}, {'\n', '"'}, {',', '\r'}, {0xD800, '"'}} {
		if _, err := New(strings.NewReader(""), c[0], c[1]); err == nil {
			t.Errorf("New(%q, %q) accepted", c[0], c[1])
		}
	}
}

// TestRecordSizeBound: an unterminated quote in a long stream stops at
// MaxRecordBytes instead of holding the stream.
func TestRecordSizeBound(t *testing.T) {
	in := io.MultiReader(strings.NewReader("a\n\""), &repeat{b: 'x', n: MaxRecordBytes + 10}, strings.NewReader("\nb\n"))
	r, _ := New(in, ',', '"')
	if rec, _, err := r.Next(); err != nil || rec[0] != "a" {
		t.Fatalf("first record %q %v", rec, err)
	}
	_, _, err := r.Next()
	var re *RowError
	if !errors.As(err, &re) || re.Line != 2 || !strings.Contains(re.Msg, "longer than") {
		t.Fatalf("oversized record: %v", err)
	}
	if rec, _, err := r.Next(); err != nil || rec[0] != "b" {
		t.Fatalf("after the oversized record %q %v", rec, err)
	}
}

// repeat is n copies of one byte.
type repeat struct {
	b byte
	n int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestStreamErrorPassesThrough(t *testing.T) {
	r, _ := New(failing{}, ',', '"')
	_, _, err := r.Next()
	var re *RowError
	if err == nil || err == io.EOF || errors.As(err, &re) {
		t.Fatalf("stream error came back as %v", err)
	}
}
