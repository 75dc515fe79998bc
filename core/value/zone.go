package value

import (
	"time"
	_ "time/tzdata" // zone data is embedded: no dependence on the host's files
)

// LoadZone returns the IANA time zone with the given name. It is the one
// place core code reads zone data. The tzdata import embeds Go's zone
// database, so every host has the zones; note that time.LoadLocation still
// prefers $ZONEINFO or the system's files when they exist.
func LoadZone(name string) (*time.Location, error) {
	return time.LoadLocation(name)
}
