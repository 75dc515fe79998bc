package tck

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/quiverdb/quiver/core/value"
)

func loadFixtures(t *testing.T) []Scenario {
	t.Helper()
	s, err := LoadFeatures(filepath.Join("testdata", "features"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 8 {
		t.Fatalf("loaded %d fixture scenarios, want 8 (outline expanded)", len(s))
	}
	return s
}

func runFixtures(t *testing.T, script map[string]fakeResponse) (map[string]Outcome, *fakeEngine) {
	t.Helper()
	var last *fakeEngine
	r := &Runner{Dir: "testdata", New: func() (Engine, error) {
		last = &fakeEngine{script: script}
		return last, nil
	}}
	out := map[string]Outcome{}
	scs := loadFixtures(t)
	for i := range scs {
		o := r.Run(&scs[i])
		out[scs[i].ID] = o
	}
	return out, last
}

func TestFixtureIDs(t *testing.T) {
	var ids []string
	for _, s := range loadFixtures(t) {
		ids = append(ids, s.ID)
		if s.Category != "fixture" {
			t.Errorf("%s: category %q", s.ID, s.Category)
		}
	}
	want := []string{
		"fixture/Fixture1 [1] Any order", "fixture/Fixture1 [2] In order", "fixture/Fixture1 [3] Error",
		"fixture/Fixture1 [4] Side effects", "fixture/Fixture1 [5] Parameters and paths",
		"fixture/Fixture1 [6] Outline <q> #1", "fixture/Fixture1 [6] Outline <q> #2",
		"fixture/Fixture1 [7] Procedure",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Errorf("ids:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
}

func TestCorrectEnginePassesEveryFixture(t *testing.T) {
	outs, _ := runFixtures(t, goodScript())
	for id, o := range outs {
		if !o.Passed {
			t.Errorf("%s failed: %s", id, o.Reason)
		}
	}
}

func TestParametersReachTheEngine(t *testing.T) {
	scs := loadFixtures(t)
	var eng *fakeEngine
	r := &Runner{New: func() (Engine, error) { eng = &fakeEngine{script: goodScript()}; return eng, nil }}
	if o := r.Run(&scs[4]); !o.Passed {
		t.Fatalf("%s", o.Reason)
	}
	want := value.List{int64(1), value.Map{"k": "v"}}
	if !MatchValue(want, eng.params["p"], false) {
		t.Fatalf("parameter p = %#v", eng.params["p"])
	}
}

// TestWrongEnginesFail is the runner's guard against leniency: each broken
// engine must fail the scenario it breaks, and only that one.
func TestWrongEnginesFail(t *testing.T) {
	for name, bad := range badScripts() {
		outs, _ := runFixtures(t, bad.script)
		for id, o := range outs {
			target := strings.Contains(id, bad.scenario)
			if target && o.Passed {
				t.Errorf("%s: scenario %s passed", name, id)
			}
			if !target && !o.Passed {
				t.Errorf("%s: unrelated scenario %s failed: %s", name, id, o.Reason)
			}
		}
	}
}

func TestReportLastLine(t *testing.T) {
	outs, _ := runFixtures(t, mutate("ONE", fakeResponse{res: rows([]string{"x"}, row(int64(2)))}))
	var list []Outcome
	for _, o := range outs {
		list = append(list, o)
	}
	var b strings.Builder
	WriteReport(&b, list)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if got := lines[len(lines)-1]; got != "tck: 7/8 scenarios passed" {
		t.Fatalf("last line %q\n%s", got, b.String())
	}
	if !strings.Contains(b.String(), "fixture") {
		t.Fatalf("no category row:\n%s", b.String())
	}
}

// plainEngine hides the fake's procedure registry.
type plainEngine struct{ Engine }

func TestEngineWithoutProceduresFailsProcedureScenarios(t *testing.T) {
	scs := loadFixtures(t)
	r := &Runner{New: func() (Engine, error) { return plainEngine{&fakeEngine{script: goodScript()}}, nil }}
	o := r.Run(&scs[7])
	if o.Passed || !strings.Contains(o.Reason, "does not support test procedures") {
		t.Fatalf("got %+v", o)
	}
}
