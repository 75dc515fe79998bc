package sim

import (
	"math/rand/v2"

	"github.com/quiverdb/quiver/sim/simdisk"
)

// SimDisk is the DiskFactory of the simulated disk (package simdisk), whose
// sync completions run as the host's events.
func SimDisk(sched Scheduler, rng *rand.Rand) Disk { return simdisk.New(sched, rng) }

// defaultDisk is the disk scenarios use unless told otherwise.
func defaultDisk() DiskFactory { return SimDisk }

// SimDisk returns the host's disk as a *simdisk.FS, for its fault knobs, or
// nil if the host has another kind of disk or none.
func (h *Host) SimDisk() *simdisk.FS {
	fs, _ := h.disk.(*simdisk.FS)
	return fs
}

// diskFaults sums the faults the hosts' simulated disks actually injected
// (failed writes and syncs, slowed syncs, full-disk refusals, bit flips).
func (w *World) diskFaults() int64 {
	var n int64
	for _, h := range w.hosts {
		if fs := h.SimDisk(); fs != nil {
			f := fs.Faults()
			n += int64(f.FailedWrites + f.FailedSyncs + f.SlowedSyncs + f.FullRejections + f.ReadFlips + f.BitFlips)
		}
	}
	return n
}
