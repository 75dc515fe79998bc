package cypher

import (
	"unsafe"

	"github.com/quiverdb/quiver/core/value"
)

// Boxing entity references without an allocation each.
//
// A nodeRef or relRef stored in a value.Value is boxed: Go copies the
// eight-byte id to the heap, one small allocation per reference. An
// expansion binds a node and a relationship per edge, so those were most
// of its allocations. A boxer instead writes ids into a chunk of refs it
// allocated once and makes each interface point at its element of the
// chunk: the interface holds a pointer to an immutable value of its
// dynamic type, exactly what boxing builds, and the chunk lives as long
// as any value pointing into it (the garbage collector follows interior
// pointers). An element is written once, before its interface exists,
// and never again.

// boxChunk bounds how many references a boxer allocates at once; its
// chunks start small (a point lookup boxes one node) and double.
const boxChunk = 128

// boxer boxes the entity references of one execution.
type boxer struct {
	nodes     []nodeRef
	rels      []relRef
	nodeChunk int // the size of the last chunk of nodes
	relChunk  int // the size of the last chunk of relationships
}

// grow returns the size of the chunk after one of size last.
func grow(last int) int { return min(max(2*last, 4), boxChunk) }

// eface is the layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeWord returns the dynamic type word of v.
func typeWord(v value.Value) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

var (
	nodeRefType = typeWord(nodeRef{})
	relRefType  = typeWord(relRef{})
)

// node returns nodeRef{id} as a value.
func (b *boxer) node(id int64) value.Value {
	if len(b.nodes) == 0 {
		b.nodeChunk = grow(b.nodeChunk)
		b.nodes = make([]nodeRef, b.nodeChunk)
	}
	p := &b.nodes[0]
	b.nodes = b.nodes[1:]
	p.id = id
	var v value.Value
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: nodeRefType, data: unsafe.Pointer(p)}
	return v
}

// rel returns relRef{id} as a value.
func (b *boxer) rel(id int64) value.Value {
	if len(b.rels) == 0 {
		b.relChunk = grow(b.relChunk)
		b.rels = make([]relRef, b.relChunk)
	}
	p := &b.rels[0]
	b.rels = b.rels[1:]
	p.id = id
	var v value.Value
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: relRefType, data: unsafe.Pointer(p)}
	return v
}
