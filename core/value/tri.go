package value

// Tri is a three-valued Cypher truth value: true, false or null (unknown).
type Tri int8

// The three truth values. The zero Tri is TriFalse.
const (
	TriFalse Tri = iota
	TriTrue
	TriNull
)

// TriOf turns a Go bool into a Tri.
func TriOf(b bool) Tri {
	if b {
		return TriTrue
	}
	return TriFalse
}

// TriFromValue reads a Cypher value as a truth value: nil is TriNull, a bool
// is itself. ok is false for any other type (a TypeError for the caller).
func TriFromValue(v Value) (t Tri, ok bool) {
	switch x := v.(type) {
	case nil:
		return TriNull, true
	case bool:
		return TriOf(x), true
	}
	return TriNull, false
}

// Value returns t as a Cypher value: true, false or nil.
func (t Tri) Value() Value {
	switch t {
	case TriTrue:
		return true
	case TriFalse:
		return false
	}
	return nil
}

// IsTrue reports whether t is TriTrue (the WHERE filter test: null drops the row).
func (t Tri) IsTrue() bool { return t == TriTrue }

// String returns "true", "false" or "null".
func (t Tri) String() string {
	switch t {
	case TriTrue:
		return "true"
	case TriFalse:
		return "false"
	}
	return "null"
}

// Not is Cypher NOT: null stays null.
func (t Tri) Not() Tri {
	switch t {
	case TriTrue:
		return TriFalse
	case TriFalse:
		return TriTrue
	}
	return TriNull
}

// And is Cypher AND: false wins over null.
func (t Tri) And(u Tri) Tri {
	if t == TriFalse || u == TriFalse {
		return TriFalse
	}
	if t == TriNull || u == TriNull {
		return TriNull
	}
	return TriTrue
}

// Or is Cypher OR: true wins over null.
func (t Tri) Or(u Tri) Tri {
	if t == TriTrue || u == TriTrue {
		return TriTrue
	}
	if t == TriNull || u == TriNull {
		return TriNull
	}
	return TriFalse
}

// Xor is Cypher XOR: null if either side is null.
func (t Tri) Xor(u Tri) Tri {
	if t == TriNull || u == TriNull {
		return TriNull
	}
	return TriOf(t != u)
}
