package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Version is a Bolt protocol version.
type Version struct {
	Major, Minor byte
}

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor byte) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// Shape is the structure layout for v; utc says whether a 4.4 client
// negotiated the "utc" patch.
func (v Version) Shape(utc bool) Shape {
	if v.Major >= 5 {
		return Shape{}
	}
	return Shape{V4: true, LegacyDateTime: !utc}
}

// Supported lists the versions Quiver serves, best first.
var Supported = []Version{{5, 4}, {5, 3}, {5, 2}, {5, 1}, {5, 0}, {4, 4}}

// magic opens every Bolt connection.
var magic = []byte{0x60, 0x60, 0xB0, 0x17}

// ErrNoVersion reports a handshake that offered no version Quiver serves.
var ErrNoVersion = errors.New("bolt: no common protocol version")

// Negotiate picks the highest supported version among the four 4-byte slots
// of a handshake proposal: [0][range][minor][major], where range counts the
// minors below minor also offered.
func Negotiate(proposal [16]byte) (Version, bool) {
	best, found := Version{}, false
	for i := 0; i < 16; i += 4 {
		rng, minor, major := proposal[i+1], proposal[i+2], proposal[i+3]
		for _, s := range Supported {
			if s.Major == major && s.Minor <= minor && int(s.Minor) >= int(minor)-int(rng) {
				if !found || s.AtLeast(best.Major, best.Minor) {
					best, found = s, true
				}
			}
		}
	}
	return best, found
}

// Handshake reads the client's magic and proposal from rw and answers with
// the chosen version, or with four zero bytes and ErrNoVersion.
func Handshake(rw io.ReadWriter) (Version, error) {
	var buf [20]byte
	if _, err := io.ReadFull(rw, buf[:]); err != nil {
		return Version{}, fmt.Errorf("bolt: reading handshake: %w", err)
	}
	if !bytes.Equal(buf[:4], magic) {
		return Version{}, fmt.Errorf("bolt: bad handshake magic % X", buf[:4])
	}
	var prop [16]byte
	copy(prop[:], buf[4:])
	v, ok := Negotiate(prop)
	if !ok {
		_, _ = rw.Write([]byte{0, 0, 0, 0})
		return Version{}, fmt.Errorf("%w in % X", ErrNoVersion, prop)
	}
	if _, err := rw.Write([]byte{0, 0, v.Minor, v.Major}); err != nil {
		return Version{}, fmt.Errorf("bolt: answering handshake: %w", err)
	}
	return v, nil
}
