package drivertest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"runtime/pprof"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// labelCPU profiles this process's CPU while a benchmark case runs and
// splits it by the value of one pprof label, so a case that runs MAIN and
// its replicas in one process can tell MAIN's own CPU from theirs (what a
// deployment with replicas on other machines would see).
type labelCPU struct {
	key string
	buf bytes.Buffer
	on  bool
}

// startLabelCPU starts the CPU profiler. It returns nil (and the case
// reports no split) when a profile is running already, as under
// go test -cpuprofile.
func startLabelCPU(key string) *labelCPU {
	l := &labelCPU{key: key}
	if err := pprof.StartCPUProfile(&l.buf); err != nil {
		return nil
	}
	l.on = true
	return l
}

// stop ends the profile and returns the CPU time of the samples by the
// value of the label (samples without it under "").
func (l *labelCPU) stop() (map[string]time.Duration, error) {
	if l == nil || !l.on {
		return nil, errors.New("no profile")
	}
	pprof.StopCPUProfile()
	l.on = false
	return cpuByLabel(l.buf.Bytes(), l.key)
}

// cpuByLabel sums the CPU nanoseconds (the last sample value of a Go CPU
// profile) of a gzipped pprof profile by the string value of label key.
func cpuByLabel(gz []byte, key string) (map[string]time.Duration, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	var strs []string
	var samples []profSample
	err = fields(raw, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == 6 && typ == protowire.BytesType: // string_table
			strs = append(strs, string(v))
		case num == 2 && typ == protowire.BytesType: // sample
			s, err := decodeSample(v)
			if err != nil {
				return err
			}
			samples = append(samples, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]time.Duration{}
	for _, s := range samples {
		val := ""
		for k, v := range s.labels {
			if int(k) < len(strs) && strs[k] == key && int(v) < len(strs) {
				val = strs[v]
			}
		}
		out[val] += time.Duration(s.cpu)
	}
	return out, nil
}

// profSample is one decoded Sample: its last value and its string labels
// (key's string index to value's string index).
type profSample struct {
	cpu    int64
	labels map[int64]int64
}

func decodeSample(b []byte) (profSample, error) {
	s := profSample{labels: map[int64]int64{}}
	var vals []int64
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 2 && typ == protowire.VarintType:
			vals = append(vals, int64(x))
		case num == 2 && typ == protowire.BytesType: // packed values
			for len(v) > 0 {
				n, k := protowire.ConsumeVarint(v)
				if k < 0 {
					return protowire.ParseError(k)
				}
				vals, v = append(vals, int64(n)), v[k:]
			}
		case num == 3 && typ == protowire.BytesType: // label
			var key, str int64
			if err := fields(v, func(n protowire.Number, t protowire.Type, _ []byte, x uint64) error {
				if t == protowire.VarintType && n == 1 {
					key = int64(x)
				} else if t == protowire.VarintType && n == 2 {
					str = int64(x)
				}
				return nil
			}); err != nil {
				return err
			}
			if str != 0 {
				s.labels[key] = str
			}
		}
		return nil
	})
	if len(vals) > 0 {
		s.cpu = vals[len(vals)-1]
	}
	return s, err
}

// fields calls f with each field of a protobuf message: varints' value in
// x, length-delimited fields' bytes in v (other wire types are skipped).
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var err error
		switch typ {
		case protowire.VarintType:
			x, k := protowire.ConsumeVarint(b)
			if k < 0 {
				return protowire.ParseError(k)
			}
			err, n = f(num, typ, nil, x), k
		case protowire.BytesType:
			v, k := protowire.ConsumeBytes(b)
			if k < 0 {
				return protowire.ParseError(k)
			}
			err, n = f(num, typ, v, 0), k
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// TestCPUByLabel checks the profile split: CPU burnt under a label shows
// under its value, apart from the other value's, and most of it is found.
func TestCPUByLabel(t *testing.T) {
	l := startLabelCPU("server")
	if l == nil {
		t.Skip("a CPU profile is running already")
	}
	// Spin until the process burnt d of CPU (on a loaded machine that
	// takes longer than d), so the profile has d to find.
	spin := func(role string, d time.Duration) {
		pprof.Do(context.Background(), pprof.Labels("server", role), func(context.Context) {
			c0, t0 := cpuTime(), time.Now()
			for cpuTime()-c0 < d && time.Since(t0) < 20*d {
			}
		})
	}
	spin("main", 400*time.Millisecond)
	spin("replica", 200*time.Millisecond)
	got, err := l.stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CPU by label: %v", got)
	// The profiler samples at 100 Hz: 40 and 20 samples, give or take.
	if got["main"] < 250*time.Millisecond || got["main"] > 550*time.Millisecond {
		t.Errorf("main: %v of CPU, spun 400ms", got["main"])
	}
	if got["replica"] < 100*time.Millisecond || got["replica"] > 320*time.Millisecond {
		t.Errorf("replica: %v of CPU, spun 200ms", got["replica"])
	}
}
