package sim

import (
	"fmt"
	"strings"
)

// FaultKind names one kind of fault the simulator injects or observes.
type FaultKind uint8

// The fault kinds counted by the world. Network kinds count messages that a
// fault actually affected; the others count operations performed.
const (
	FaultDrop          FaultKind = iota // message dropped by the link's drop probability
	FaultDuplicate                      // message delivered twice
	FaultDelay                          // message given extra delay to reorder it
	FaultReorder                        // message observed arriving before one sent earlier on its link
	FaultPartitionDrop                  // message lost to a partition (at send or in flight)
	FaultPartition                      // partition operation (one direction of one link counts once)
	FaultClog                           // link clogged
	FaultClogHeld                       // message held by a clogged link
	FaultCrash                          // host crashed (unsynced data lost)
	FaultTornCrash                      // host crashed keeping a torn prefix of its last unsynced write
	FaultRestart                        // host restarted from its disk
	FaultRestartEmpty                   // host restarted with a wiped disk
	FaultPause                          // host paused
	FaultWallStep                       // host's wall clock stepped
	FaultDrift                          // host's drift rate changed
	FaultDisk                           // disk fault (failed write or sync, slow sync, full, bit flip)
	FaultStop                           // host stopped cleanly: the node's shutdown ran to its end
	numFaultKinds
)

var faultNames = [numFaultKinds]string{
	"drop", "duplicate", "delay", "reorder", "partition-drop", "partition", "clog",
	"clog-held", "crash", "torn-crash", "restart", "restart-empty", "pause", "wall-step",
	"drift", "disk", "stop",
}

// String is the fault kind's short name.
func (k FaultKind) String() string {
	if k < numFaultKinds {
		return faultNames[k]
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// FaultCounts counts faults by kind.
type FaultCounts [numFaultKinds]int64

// Total is the sum over all kinds.
func (c FaultCounts) Total() int64 {
	var t int64
	for _, n := range c {
		t += n
	}
	return t
}

// String lists the non-zero counts as "kind=n" pairs in kind order.
func (c FaultCounts) String() string {
	var b strings.Builder
	for k, n := range c {
		if n == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", FaultKind(k), n)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// Add adds other's counts to c.
func (c *FaultCounts) Add(other FaultCounts) {
	for k, n := range other {
		c[k] += n
	}
}
