package cypher

// HostInfo is what only the host knows about the running server, for
// SHOW VERSION, SHOW CONFIG, SHOW STORAGE INFO and dbms.components(). The
// engine never reads the operating system itself: the host gathers these
// figures when asked (Options.Host).
type HostInfo struct {
	// Version is the server's version string ("0.1.0").
	Version string
	// Settings are the configuration flags, in the order to show them.
	Settings []Setting
	// MemoryRes and PeakMemoryRes are the resident memory of the process
	// now and at its peak, in bytes; MemoryTracked the heap in use and
	// AllocationLimit the memory limit (0: none). Negative means unknown.
	MemoryRes, PeakMemoryRes, MemoryTracked, AllocationLimit int64
	// DiskUsage is the size of the data directory in bytes (negative:
	// unknown).
	DiskUsage int64
	// VMMaxMapCount is the kernel's vm.max_map_count (-1: unknown).
	VMMaxMapCount int64
}

// Setting is one configuration flag as SHOW CONFIG reports it.
type Setting struct {
	Name, Default, Current, Description string
}

// host returns the host's information, or what is known without a host.
func (e *Engine) host() HostInfo {
	if e.opts.Host == nil {
		return HostInfo{Version: "unknown", MemoryRes: -1, PeakMemoryRes: -1, MemoryTracked: -1, DiskUsage: -1, VMMaxMapCount: -1}
	}
	return e.opts.Host()
}
