package check

import (
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
)

// randomHistory simulates clients on real registers: every operation takes
// effect at a random point inside its interval (an unknown one before its
// deadline or never), so the history is linearizable by construction.
func randomHistory(rng *rand.Rand, n int) []RegOp {
	type pending struct {
		op    RegOp
		point int64
		never bool
	}
	keys := []string{"a", "b"}
	var ps []pending
	next := int64(100)
	for i := range n {
		call := rng.Int64N(1000)
		ret := call + 1 + rng.Int64N(100)
		op := RegOp{Client: i % 5, Key: keys[rng.IntN(len(keys))], Call: call, Return: ret, Outcome: OK}
		switch rng.IntN(3) {
		case 0:
			op.Kind = Read
		case 1:
			op.Kind, op.Value = Write, next
			next++
		default:
			op.Kind, op.Old, op.Value = CAS, 100+rng.Int64N(max(1, next-100)), next
			next++
		}
		p := pending{op: op, point: call + rng.Int64N(ret-call+1)}
		if op.Kind != Read && rng.IntN(4) == 0 {
			p.op.Outcome = Unknown
			if rng.IntN(2) == 0 {
				p.never = true
			}
			if rng.IntN(2) == 0 {
				p.op.Deadline = ret
			} else {
				p.point = call + rng.Int64N(2000) // may take effect long after
			}
		}
		ps = append(ps, p)
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].point < ps[j].point })
	reg := map[string]int64{}
	ops := make([]RegOp, len(ps))
	for i, p := range ps {
		op := p.op
		switch {
		case p.never:
		case op.Kind == Read:
			op.Got = reg[op.Key]
		case op.Kind == Write:
			reg[op.Key] = op.Value
		case op.Kind == CAS:
			op.Swapped = reg[op.Key] == op.Old
			if op.Swapped {
				reg[op.Key] = op.Value
			}
		}
		ops[i] = op
	}
	rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	return ops
}

// TestRegisterRandomHistories: histories of real registers always pass
// (no false alarm), and one read changed to a value nobody wrote fails.
func TestRegisterRandomHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		ops := randomHistory(rng, 5+rng.IntN(40))
		if rep, err := CheckRegisters(ops, Options{}); err != nil {
			t.Fatalf("history %d is linearizable by construction: %v (%v)\n%v", i, err, rep, ops)
		}
		for j := range ops {
			if ops[j].Kind == Read && ops[j].Outcome == OK {
				ops[j].Got = -1
				if _, err := CheckRegisters(ops, Options{ArtifactDir: t.TempDir()}); !errors.Is(err, ErrNotLinearizable) {
					t.Fatalf("history %d with a read of a value never written: %v", i, err)
				}
				break
			}
		}
	}
}
