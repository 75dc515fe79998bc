package graphdb

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/quiverdb/quiver/internal/tck"
)

// passingFile is the ratchet list: scenarios that must keep passing.
const passingFile = "../passing.txt"

// TestRatchet runs every scenario listed in passing.txt and fails when one
// of them no longer passes. With QUIVER_TCK_UPDATE=1 it runs the whole TCK
// and adds the newly passing scenarios to the list (it never drops one: a
// scenario leaves the list only by hand, with a reason in the commit).
func TestRatchet(t *testing.T) {
	dir, err := tck.FindDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("TCK not found in CI, where shared/ lies beside the clone: %v", err)
		}
		t.Skipf("TCK not found (%v); set QUIVER_TCK_DIR", err)
	}
	all, err := tck.LoadFeatures(filepath.Join(dir, "features"))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := tck.ReadPassing(passingFile)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, id := range listed {
		want[id] = true
	}
	update := os.Getenv("QUIVER_TCK_UPDATE") != ""
	var selected []*tck.Scenario
	for i := range all {
		if update || want[all[i].ID] {
			selected = append(selected, &all[i])
		}
	}
	found := map[string]bool{}
	for _, s := range selected {
		found[s.ID] = true
	}
	for _, id := range listed {
		if !found[id] {
			t.Errorf("listed scenario %q is not in the TCK any more", id)
		}
	}
	// A generous limit: on a loaded machine a heavy scenario must not flake.
	r := &tck.Runner{Dir: dir, New: New, Timeout: time.Minute}
	outs := r.RunAll(selected, runtime.GOMAXPROCS(0))
	passing := map[string]bool{}
	var regressions []string
	for _, o := range outs {
		if o.Passed {
			passing[o.Scenario.ID] = true
		} else if want[o.Scenario.ID] {
			regressions = append(regressions, o.Scenario.ID+"\n    "+strings.ReplaceAll(o.Reason, "\n", "\n    "))
		}
	}
	sort.Strings(regressions)
	for _, r := range regressions {
		t.Errorf("regressed: %s", r)
	}
	t.Logf("%d listed scenarios checked, %d regressions", len(listed), len(regressions))
	if update {
		for id := range passing {
			want[id] = true
		}
		var ids []string
		for id := range want {
			ids = append(ids, id)
		}
		if err := tck.WritePassing(passingFile, ids); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d scenarios to %s", len(ids), passingFile)
	}
}
