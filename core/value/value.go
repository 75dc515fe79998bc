// Package value holds the Cypher value model shared by storage, durability,
// the query engine, replication and Bolt.
//
// A Value is one of these Go types and nothing else:
//
//	nil            Cypher null
//	bool           Boolean
//	int64          Integer
//	float64        Float
//	string         String
//	[]byte         ByteArray
//	List           List
//	Map            Map
//	Node           Node
//	Relationship   Relationship
//	Path           Path
//	Date           Date
//	LocalTime      LocalTime
//	Time           Time (with offset)
//	LocalDateTime  LocalDateTime
//	DateTime       DateTime (with offset or zone id)
//	Duration       Duration
//	Point          Point (2D or 3D)
package value

// Value is a Cypher value: one of the types listed in the package doc.
type Value = any

// List is a Cypher list.
type List []Value

// Map is a Cypher map.
type Map map[string]Value

// Node is a vertex as a query result: its id, labels and properties.
type Node struct {
	ID     int64
	Labels []string
	Props  Map
}

// Relationship is an edge as a query result.
type Relationship struct {
	ID      int64
	StartID int64
	EndID   int64
	Type    string
	Props   Map
}

// Path is an alternating sequence of nodes and relationships: Nodes has one
// more element than Rels, and Rels[i] joins Nodes[i] and Nodes[i+1] in either
// direction.
type Path struct {
	Nodes []Node
	Rels  []Relationship
}

// Date is a calendar date, as days since 1970-01-01.
type Date struct {
	Days int64
}

// LocalTime is a time of day without offset, as nanoseconds since midnight.
type LocalTime struct {
	Nanos int64
}

// Time is a time of day with a UTC offset: Nanos since local midnight.
type Time struct {
	Nanos     int64
	OffsetSec int32
}

// LocalDateTime is a date and time without zone: seconds and nanoseconds since
// 1970-01-01T00:00:00 on the local calendar.
type LocalDateTime struct {
	Sec  int64
	Nsec int32
}

// DateTime is an instant with a zone. Sec and Nsec count from the Unix epoch in
// UTC. OffsetSec is the offset in force at that instant; Zone is an IANA zone
// id, or "" for a fixed offset.
type DateTime struct {
	Sec       int64
	Nsec      int32
	OffsetSec int32
	Zone      string
}

// Duration is a Cypher duration: months, days, seconds and nanoseconds kept
// apart, as Cypher and Bolt do.
type Duration struct {
	Months  int64
	Days    int64
	Seconds int64
	Nanos   int32
}

// Point is a spatial point. SRID 7203 is cartesian 2D, 9157 cartesian 3D,
// 4326 WGS-84 2D and 4979 WGS-84 3D. Z is meaningful only for 3D SRIDs.
type Point struct {
	SRID uint32
	X    float64
	Y    float64
	Z    float64
}

// Is3D reports whether p has a z coordinate.
func (p Point) Is3D() bool { return p.SRID == 9157 || p.SRID == 4979 }
