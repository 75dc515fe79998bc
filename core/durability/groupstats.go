package durability

import (
	"math"
	"time"
)

// GroupStats counts group commit's work: Batches fsynced, the Commits they
// covered, and how gathering windows ended: with every expected commit
// back (GatherFull) or at the deadline (GatherTimeout). With a Clock it
// also times it, on the node's monotonic clock: Wait is each commit's time
// from Append to its completion, Queue its part before its batch's fsync
// started (buffered, gathered, or held behind fsyncs in flight), Sync each
// batch's fsync from request to return; IdleWait is the time during which
// commits were buffered while fewer than SyncDepth fsyncs ran (an fsync
// could have started and did not: a gathering window, a deferred write,
// or a batch held back beside a nearly done fsync), NearlyDoneHolds
// counts the writes held back beside a nearly done fsync, and SyncedEarly
// the fsyncs that returned before an earlier batch's (their batch waited
// for it: batches complete in order).
type GroupStats struct {
	Batches, Commits, GatherFull, GatherTimeout int64
	NearlyDoneHolds, SyncedEarly                int64
	IdleWait                                    time.Duration
	Wait, Queue, Sync                           Histogram
}

// Sub returns the counts of s since an earlier reading o.
func (s GroupStats) Sub(o GroupStats) GroupStats {
	return GroupStats{
		Batches: s.Batches - o.Batches, Commits: s.Commits - o.Commits,
		GatherFull: s.GatherFull - o.GatherFull, GatherTimeout: s.GatherTimeout - o.GatherTimeout,
		NearlyDoneHolds: s.NearlyDoneHolds - o.NearlyDoneHolds, SyncedEarly: s.SyncedEarly - o.SyncedEarly,
		IdleWait: s.IdleWait - o.IdleWait,
		Wait:     s.Wait.Sub(o.Wait), Queue: s.Queue.Sub(o.Queue), Sync: s.Sync.Sub(o.Sync),
	}
}

// histBuckets is the number of Histogram buckets: four per doubling from
// 1 µs, the last one holding everything from about 15 minutes on.
const histBuckets = 80

// Histogram counts durations in buckets about 19 % wide (four per
// doubling, from 1 µs), enough for quantiles of commit latencies.
type Histogram struct {
	Counts [histBuckets]int64
	Total  time.Duration // the sum of every duration added
}

// histBucket is the bucket d falls into.
func histBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	return min(int(4*math.Log2(us))+1, histBuckets-1)
}

// histUpper is the upper bound of bucket i.
func histUpper(i int) time.Duration {
	return time.Duration(math.Exp2(float64(i)/4) * float64(time.Microsecond))
}

// Add counts one duration.
func (h *Histogram) Add(d time.Duration) {
	h.Counts[histBucket(d)]++
	h.Total += d
}

// Count is the number of durations added.
func (h *Histogram) Count() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

// Mean is the average duration (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if n := h.Count(); n > 0 {
		return h.Total / time.Duration(n)
	}
	return 0
}

// Quantile is the upper bound of the bucket holding the q-quantile
// (0 < q ≤ 1), so within about 19 % above the true value; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for i, c := range h.Counts {
		if seen += c; seen >= rank {
			return histUpper(i)
		}
	}
	return histUpper(histBuckets - 1)
}

// Sub returns the counts of h since an earlier reading o.
func (h Histogram) Sub(o Histogram) Histogram {
	for i := range h.Counts {
		h.Counts[i] -= o.Counts[i]
	}
	h.Total -= o.Total
	return h
}
