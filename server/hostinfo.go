package server

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/cypher"
)

// hostInfo gathers what the engine cannot know itself, for SHOW VERSION,
// SHOW CONFIG, SHOW STORAGE INFO and dbms.components().
type hostInfo struct {
	cfg      Config
	settings []cypher.Setting
}

func newHostInfo(cfg Config) *hostInfo {
	h := &hostInfo{cfg: cfg}
	for _, s := range cfg.Settings {
		h.settings = append(h.settings, cypher.Setting{Name: s.Name, Default: s.Default, Current: s.Current, Description: s.Description})
	}
	return h
}

// get is called by a session's engine when a statement needs it; it may
// run on any goroutine.
func (h *hostInfo) get() cypher.HostInfo {
	rss, peak := procMemory()
	return cypher.HostInfo{Version: Version, Settings: h.settings, MemoryRes: rss, PeakMemoryRes: peak,
		MemoryTracked: heapInUse(), DiskUsage: dirSize(h.cfg.DataDirectory), VMMaxMapCount: maxMapCount()}
}

// procMemory reads the resident set size and its peak from
// /proc/self/status (-1 each where it is not available).
func procMemory() (rss, peak int64) {
	rss, peak = -1, -1
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			rss = n * 1024
		} else {
			peak = n * 1024
		}
	}
	return
}

// heapInUse is the Go heap's bytes in live and not yet swept objects.
func heapInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -1
	}
	return int64(s[0].Value.Uint64())
}

// dirSize sums the sizes of the regular files under dir (-1 if it cannot
// be read).
func dirSize(dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a file removed while walking
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	if err != nil {
		return -1
	}
	return n
}

// maxMapCount reads vm.max_map_count (-1 where unknown).
func maxMapCount() int64 {
	b, err := os.ReadFile("/proc/sys/vm/max_map_count")
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}
