package replication

import "fmt"

// Epoch names one MAIN term: a number that only grows and a random id drawn
// by the MAIN that began the term, so two MAINs that picked the same number
// are still told apart.
type Epoch struct {
	Num uint64 // grows with every new MAIN term
	ID  uint64 // random, drawn when the term begins
}

// String renders the epoch as "num/id" in hex, for logs and errors.
func (e Epoch) String() string { return fmt.Sprintf("%d/%016x", e.Num, e.ID) }

// IsZero reports whether e is the zero epoch (no term yet).
func (e Epoch) IsZero() bool { return e == Epoch{} }

// EpochEntry is one term in an instance's epoch history: the epoch and the
// timestamp of the last transaction of that term the instance holds (the
// previous entry's LastTS when it holds none).
type EpochEntry struct {
	Epoch  Epoch
	LastTS uint64
}

// History is an instance's epoch history, oldest first. Epoch numbers
// strictly increase along it.
type History []EpochEntry

// Clone returns a copy of h that shares no memory with it.
func (h History) Clone() History { return append(History(nil), h...) }

// Last returns the newest entry, or the zero entry for an empty history.
func (h History) Last() EpochEntry {
	if len(h) == 0 {
		return EpochEntry{}
	}
	return h[len(h)-1]
}

// Lookup returns the epoch of h whose number is num.
func (h History) Lookup(num uint64) (Epoch, bool) {
	for _, e := range h {
		if e.Epoch.Num == num {
			return e.Epoch, true
		}
	}
	return Epoch{}, false
}

// Note records that a transaction with timestamp ts of epoch e is now held:
// it extends the newest entry when e is its epoch and appends one otherwise.
// It returns the updated history.
func (h History) Note(e Epoch, ts uint64) History {
	if n := len(h); n > 0 && h[n-1].Epoch == e {
		if ts > h[n-1].LastTS {
			h[n-1].LastTS = ts
		}
		return h
	}
	return append(h, EpochEntry{Epoch: e, LastTS: ts})
}

// Upto returns the prefix of h that holds the transactions up to ts: the
// entries that end at or before ts, and the one ts falls in capped at ts.
func (h History) Upto(ts uint64) History {
	var out History
	prev := uint64(0)
	for _, e := range h {
		if e.LastTS <= ts {
			out = append(out, e)
			prev = e.LastTS
			continue
		}
		if prev < ts {
			out = append(out, EpochEntry{Epoch: e.Epoch, LastTS: ts})
		}
		break
	}
	return out
}

// terms returns the entries of h that hold at least one transaction: a term
// in which an instance committed nothing says nothing about its data.
func (h History) terms() History {
	var out History
	prev := uint64(0)
	for _, e := range h {
		if e.LastTS > prev {
			out = append(out, e)
			prev = e.LastTS
		}
	}
	return out
}

// Fork returns the timestamp up to which histories a and b hold the same
// transactions: the end of the terms they share, or of the shorter part of
// the first term they share only in part.
func Fork(a, b History) uint64 {
	x, y := a.terms(), b.terms()
	shared := uint64(0)
	for i := 0; i < len(x) && i < len(y) && x[i].Epoch == y[i].Epoch; i++ {
		shared = min(x[i].LastTS, y[i].LastTS)
		if x[i].LastTS != y[i].LastTS {
			break
		}
	}
	return shared
}

// Relation is how a replica's data relates to MAIN's, judged from their
// epoch histories.
type Relation uint8

const (
	// Prefix means the replica holds a prefix of MAIN's transactions: it can
	// catch up by receiving what follows its last timestamp.
	Prefix Relation = iota
	// Diverged means the replica's history branched from MAIN's: it holds a
	// term MAIN does not know, or more of a term than MAIN holds.
	Diverged
)

// String names the relation.
func (r Relation) String() string {
	if r == Diverged {
		return "diverged"
	}
	return "prefix"
}

// Compare judges a replica's history against MAIN's. Only terms that hold
// transactions count. The replica's terms must be MAIN's first terms, in
// order and with the same epochs; each but the last must end exactly where
// MAIN's does, and the last must end at or before MAIN's. Anything else is
// Diverged, with a reason.
func Compare(main, replica History) (Relation, string) {
	m, r := main.terms(), replica.terms()
	for i, re := range r {
		if i >= len(m) {
			return Diverged, fmt.Sprintf("replica holds epoch %s, which MAIN does not know", re.Epoch)
		}
		me := m[i]
		if me.Epoch != re.Epoch {
			return Diverged, fmt.Sprintf("replica's term %d is epoch %s, MAIN's is %s", i+1, re.Epoch, me.Epoch)
		}
		if re.LastTS > me.LastTS {
			return Diverged, fmt.Sprintf("replica holds epoch %s up to %d, past MAIN's last timestamp %d in it", re.Epoch, re.LastTS, me.LastTS)
		}
		if i < len(r)-1 && re.LastTS != me.LastTS {
			return Diverged, fmt.Sprintf("replica's epoch %s ends at %d, MAIN's at %d, yet the replica holds later terms", re.Epoch, re.LastTS, me.LastTS)
		}
	}
	return Prefix, ""
}
