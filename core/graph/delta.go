package graph

import "github.com/quiverdb/quiver/core/value"

// DeltaOp names one kind of change a committed transaction made.
type DeltaOp uint8

// The changes a transaction can make. Durability writes them to the WAL in
// commit order and replication ships them; Apply replays them.
const (
	OpCreateVertex     DeltaOp = iota + 1 // ID
	OpDeleteVertex                        // ID (edges were deleted by earlier deltas)
	OpAddLabel                            // ID, Name = label
	OpRemoveLabel                         // ID, Name = label
	OpSetVertexProp                       // ID, Key, Value (nil removes the property)
	OpCreateEdge                          // ID, From, To, Name = edge type
	OpDeleteEdge                          // ID
	OpSetEdgeProp                         // ID, Key, Value (nil removes the property)
	OpCreateIndex                         // Name = label or edge type, Key ("" for a label index), Kind, Alias
	OpDropIndex                           // Name, Key, Kind
	OpCreateConstraint                    // Name = label, Key, Kind, Alias
	OpDropConstraint                      // Name = label, Key, Kind
)

// Schema kinds carried in Delta.Kind for index and constraint deltas.
const (
	KindLabelIndex         uint8 = 1 // index on a label
	KindLabelPropertyIndex uint8 = 2 // index on a label and property
	KindEdgeTypeIndex      uint8 = 3 // index on an edge type
	KindExistence          uint8 = 4 // existence constraint
	KindUnique             uint8 = 5 // uniqueness constraint
)

// Delta is one change of a committed transaction. Which fields matter depends
// on Op (see the constants).
type Delta struct {
	Op    DeltaOp
	ID    int64
	From  int64
	To    int64
	Name  string
	Key   string
	Kind  uint8
	Value value.Value
	// Alias is the name a user gave an index or constraint when creating it
	// (OpCreateIndex, OpCreateConstraint); "" when none was given.
	Alias string
}
