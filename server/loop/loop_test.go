package loop

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quiverdb/quiver/clock"
	"github.com/quiverdb/quiver/disk/osfs"
)

func TestRunsInPostOrder(t *testing.T) {
	l := New()
	defer l.Stop()
	var got, want []int
	for i := range 1000 {
		want = append(want, i)
		l.Post(func() { got = append(got, i) })
	}
	l.Do(func() {})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
}

func TestNeverTwoAtOnce(t *testing.T) {
	l := New()
	defer l.Stop()
	count, running, overlap := 0, 0, false
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				l.Post(func() {
					running++
					if running > 1 {
						overlap = true
					}
					count++
					running--
				})
			}
		})
	}
	wg.Wait()
	l.Do(func() {})
	if count != 4000 || overlap {
		t.Fatalf("count %d, overlap %v", count, overlap)
	}
}

func TestPostFromTheLoop(t *testing.T) {
	l := New()
	defer l.Stop()
	var got []string
	l.Do(func() {
		l.Post(func() { got = append(got, "inner") })
		got = append(got, "outer")
	})
	l.Do(func() {})
	if diff := cmp.Diff([]string{"outer", "inner"}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestStopRunsQueuedThenRefuses(t *testing.T) {
	l := New()
	release := make(chan struct{})
	ran := 0
	l.Post(func() { <-release })
	for range 10 {
		l.Post(func() { ran++ })
	}
	go func() { time.Sleep(10 * time.Millisecond); close(release) }()
	l.Stop()
	if ran != 10 {
		t.Fatalf("%d of 10 queued closures ran before Stop returned", ran)
	}
	if l.Post(func() { t.Error("ran after Stop") }) {
		t.Fatal("Post after Stop accepted")
	}
	if l.Do(func() { t.Error("ran after Stop") }) {
		t.Fatal("Do after Stop accepted")
	}
	l.Stop()
}

// TestSlowFsyncDoesNotDelayTimers arms a 10 ms timer while a real fsync,
// slowed to 500 ms, is outstanding on the same loop: the timer must fire
// first, while the fsync is still running, because the fsync runs on the
// FS's syncer goroutine rather than on the loop.
func TestSlowFsyncDoesNotDelayTimers(t *testing.T) {
	const syncDelay = 500 * time.Millisecond
	l := New()
	defer l.Stop()
	clk := clock.NewReal(l.PostFunc())
	fs, err := osfs.New(t.TempDir(), l.PostFunc())
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	fs.SetSyncDelay(syncDelay)

	var events []string
	var timerAt time.Duration
	all := make(chan struct{})
	record := func(e string) {
		events = append(events, e)
		if len(events) == 2 {
			close(all)
		}
	}
	l.Do(func() {
		h, err := fs.Create("wal")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Append([]byte("commit")); err != nil {
			t.Fatal(err)
		}
		start := clk.Monotonic()
		h.Sync(func(err error) {
			if err != nil {
				t.Error(err)
			}
			record("fsync")
		})
		clk.AfterFunc(10*time.Millisecond, func() {
			timerAt = clk.Monotonic() - start
			record("timer")
		})
	})
	<-all
	l.Do(func() {
		if diff := cmp.Diff([]string{"timer", "fsync"}, events); diff != "" {
			t.Errorf("event order (-want +got):\n%s", diff)
		}
		if timerAt >= syncDelay {
			t.Errorf("timer fired after %v, not before the %v fsync finished", timerAt, syncDelay)
		}
	})
}
