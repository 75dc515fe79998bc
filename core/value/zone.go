package value

import (
	"archive/zip"
	_ "embed" // the zone database
	"fmt"
	"strings"
	"time"
)

//go:generate go run ../../internal/gentz

// zoneinfo is Go's zone database, a copy of $GOROOT/lib/time/zoneinfo.zip
// (the file the toolchain builds time/tzdata from; internal/gentz copies
// it). The standard library offers no way to read time/tzdata's copy:
// time.LoadLocation prefers $ZONEINFO and the host's zone files, and the
// embedded loader is unexported. So core embeds the same file, and a test
// checks it against the toolchain's byte for byte.
//
//go:embed zoneinfo.zip
var zoneinfo string

// zoneDB maps each zone name to its TZif data (a slice of zoneinfo: the
// archive stores its files uncompressed), indexed once at start.
var zoneDB = indexZones(zoneinfo)

// indexZones reads the archive's directory; damage is a build defect.
func indexZones(archive string) map[string]string {
	z, err := zip.NewReader(strings.NewReader(archive), int64(len(archive)))
	if err != nil {
		panic(fmt.Sprintf("value: embedded zone database: %v", err))
	}
	db := make(map[string]string, len(z.File))
	for _, f := range z.File {
		off, err := f.DataOffset()
		if err != nil || f.Method != zip.Store || off+int64(f.UncompressedSize64) > int64(len(archive)) {
			panic(fmt.Sprintf("value: embedded zone database: %s is not stored whole (%v)", f.Name, err))
		}
		db[f.Name] = archive[off : off+int64(f.UncompressedSize64)]
	}
	return db
}

// LoadZone returns the IANA time zone with the given name. It is the one
// place core reads zone data, and it reads only Go's zone database embedded
// in the binary: never the host's files or $ZONEINFO, so every machine
// computes the same offsets. "UTC" is time.UTC; "Local" (the host's zone)
// and "" are unknown.
func LoadZone(name string) (*time.Location, error) {
	if name == "UTC" {
		return time.UTC, nil
	}
	data, ok := zoneDB[name]
	if !ok {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocationFromTZData(name, []byte(data))
}
