package tck

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// FindDir locates the TCK directory: $QUIVER_TCK_DIR when set, else the
// first shared/tck found beside the module root or one of its ancestors
// (the repository's parent holds shared/; so does a CI checkout's).
func FindDir() (string, error) {
	if d := os.Getenv("QUIVER_TCK_DIR"); d != "" {
		return d, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	for d := filepath.Dir(root); ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "tck")
		if st, err := os.Stat(filepath.Join(cand, "features")); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no shared/tck/features above %s; set QUIVER_TCK_DIR", root)
		}
	}
}

// moduleRoot walks up from the working directory to the go.mod.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("not inside a Go module")
		}
		d = filepath.Dir(d)
	}
}

// CategoryCount is the tally of one category.
type CategoryCount struct {
	Category      string
	Passed, Total int
}

// Summarize counts outcomes per category, sorted by category.
func Summarize(outs []Outcome) (cats []CategoryCount, passed, total int) {
	by := map[string]*CategoryCount{}
	for _, o := range outs {
		c := by[o.Scenario.Category]
		if c == nil {
			c = &CategoryCount{Category: o.Scenario.Category}
			by[o.Scenario.Category] = c
		}
		c.Total++
		total++
		if o.Passed {
			c.Passed++
			passed++
		}
	}
	for _, c := range by {
		cats = append(cats, *c)
	}
	sort.Slice(cats, func(i, j int) bool { return cats[i].Category < cats[j].Category })
	return cats, passed, total
}

// WriteReport prints the per-category table and, last, the line
// "tck: PASSED/TOTAL scenarios passed".
func WriteReport(w io.Writer, outs []Outcome) {
	cats, passed, total := Summarize(outs)
	fmt.Fprintf(w, "%-40s %7s %7s %7s\n", "category", "passed", "total", "rate")
	for _, c := range cats {
		fmt.Fprintf(w, "%-40s %7d %7d %6.1f%%\n", c.Category, c.Passed, c.Total, pct(c.Passed, c.Total))
	}
	fmt.Fprintf(w, "%-40s %7d %7d %6.1f%%\n", "total", passed, total, pct(passed, total))
	fmt.Fprintf(w, "tck: %d/%d scenarios passed\n", passed, total)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// ReadPassing reads a ratchet list: one scenario ID per line; blank lines
// and lines starting with # are ignored. A missing file is an empty list.
func ReadPassing(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	return ids, sc.Err()
}

// WritePassing writes a ratchet list, sorted, with a header comment.
func WritePassing(path string, ids []string) error {
	ids = append([]string(nil), ids...)
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("# openCypher TCK scenarios that pass; `make test` fails when one stops passing.\n")
	b.WriteString("# Regenerate (it only adds) with: QUIVER_TCK_UPDATE=1 go test ./internal/tck/graphdb -run TestRatchet\n")
	for _, id := range ids {
		b.WriteString(id + "\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// ReasonCount is how many failing scenarios share one kind of reason.
type ReasonCount struct {
	Reason  string
	Count   int
	Example string // one scenario ID with this reason
}

var digits = regexp.MustCompile(`[0-9]+`)

// FailureReasons groups failures by their reason's first line with the
// quoted step, numbers and the engine's message in parentheses removed, most
// frequent first: a to-do list for the engine.
func FailureReasons(outs []Outcome) []ReasonCount {
	by := map[string]*ReasonCount{}
	for _, o := range outs {
		if o.Passed {
			continue
		}
		r := o.Reason
		if i := strings.IndexByte(r, '\n'); i >= 0 {
			r = r[:i]
		}
		if strings.HasPrefix(r, "step \"") {
			if i := strings.Index(r, "\": "); i >= 0 {
				r = r[i+3:]
			}
		}
		if i := strings.Index(r, " ("); i >= 0 {
			r = r[:i]
		}
		r = digits.ReplaceAllString(r, "N")
		c := by[r]
		if c == nil {
			c = &ReasonCount{Reason: r, Example: o.Scenario.ID}
			by[r] = c
		}
		c.Count++
	}
	var out []ReasonCount
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}
