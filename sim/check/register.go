package check

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// RegKind is the kind of a register operation.
type RegKind uint8

// Register operations.
const (
	Read  RegKind = iota + 1 // returns the register's value
	Write                    // sets it to Value
	CAS                      // compare-and-set: if it holds Old, set it to Value
)

// String names the kind.
func (k RegKind) String() string {
	switch k {
	case Read:
		return "read"
	case Write:
		return "write"
	case CAS:
		return "cas"
	}
	return fmt.Sprintf("RegKind(%d)", uint8(k))
}

// Outcome is what a client learned of an operation.
type Outcome uint8

// Outcomes.
const (
	// OK: the operation completed and its result (Got, Swapped) is known.
	OK Outcome = iota + 1
	// Failed: the operation certainly had no effect (a retryable error, a
	// refusal before it ran). It is left out of the history.
	Failed
	// Unknown: the client does not know whether it took effect (a timeout,
	// a lost connection, an "outcome unknown" error, a crash of the server).
	// It may have taken effect at any moment after its call, or never.
	Unknown
)

// RegOp is one operation on a per-key register, as a client saw it. Times
// are on one clock for the whole history (the simulator's virtual time in
// nanoseconds, or a real monotonic clock).
type RegOp struct {
	Client int
	Key    string
	Kind   RegKind
	Value  int64 // Write: the value written; CAS: the new value
	Old    int64 // CAS: the expected value
	Call   int64 // when the client invoked it
	Return int64 // when the client learned its outcome (ignored if Unknown)
	// Deadline, for an operation of Unknown outcome, is the latest moment
	// it may have taken effect, when the client knows one (the instance that
	// ran it crashed then: recovery decided its fate, and nothing it left
	// undecided can take effect later). 0 means the end of the history.
	Deadline int64
	Outcome  Outcome
	Got      int64 // Read with OK: the value read
	Swapped  bool  // CAS with OK: whether it set the value
}

// String renders the operation as in a history listing.
func (op RegOp) String() string {
	in, out := regInput{op.Kind, op.Key, op.Value, op.Old}, regOutput{op.Outcome == Unknown, op.Got, op.Swapped}
	return describeOp(in, out)
}

// regInput is porcupine's input of one operation.
type regInput struct {
	kind     RegKind
	key      string
	val, old int64
}

// regOutput is porcupine's output; unknown matches any result.
type regOutput struct {
	unknown bool
	got     int64
	swapped bool
}

// RegisterModel is the porcupine model of independent per-key registers
// that start at initial, partitioned by key (each key's history is checked
// on its own, which is sound because registers are independent).
//
// An operation of unknown outcome may have taken effect at any moment
// between its call and its deadline (the end of the history unless the
// client knows better), or never. So the model is nondeterministic: its
// state is the set of values the register may hold, and an unknown write
// or compare-and-set adds its outcome to the set instead of replacing it;
// a read narrows the set to the value it saw (the power-set construction,
// done directly on sorted value sets).
func RegisterModel(initial int64) porcupine.Model {
	return porcupine.Model{
		Partition: partitionByKey,
		Init:      func() any { return valueSet{initial} },
		Step:      stepRegister,
		Equal:     func(a, b any) bool { return slices.Equal(a.(valueSet), b.(valueSet)) },
		Hash: func(s any) uint64 {
			h := uint64(14695981039346656037)
			for _, v := range s.(valueSet) {
				h = (h ^ uint64(v)) * 1099511628211
			}
			return h
		},
		DescribeOperation: func(in, out any) string {
			return describeOp(in.(regInput), out.(regOutput))
		},
		DescribeState: func(s any) string { return s.(valueSet).String() },
	}
}

// valueSet is the sorted set of values a register may hold. It is never
// modified in place: every step builds a new one.
type valueSet []int64

func (s valueSet) has(v int64) bool {
	_, ok := slices.BinarySearch(s, v)
	return ok
}

// with returns s plus v.
func (s valueSet) with(v int64) valueSet {
	i, ok := slices.BinarySearch(s, v)
	if ok {
		return s
	}
	return slices.Insert(slices.Clone(s), i, v)
}

// without returns s minus v.
func (s valueSet) without(v int64) valueSet {
	i, ok := slices.BinarySearch(s, v)
	if !ok {
		return s
	}
	return slices.Delete(slices.Clone(s), i, i+1)
}

func (s valueSet) String() string {
	if len(s) == 1 {
		return fmt.Sprint(s[0])
	}
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// stepRegister is the sequential specification of one register, on the set
// of values it may hold.
func stepRegister(state, input, output any) (bool, any) {
	s, in, out := state.(valueSet), input.(regInput), output.(regOutput)
	switch in.kind {
	case Read:
		if out.unknown {
			return true, s
		}
		if !s.has(out.got) {
			return false, s
		}
		return true, valueSet{out.got}
	case Write:
		if out.unknown { // took effect, or never did
			return true, s.with(in.val)
		}
		return true, valueSet{in.val}
	case CAS:
		switch {
		case out.unknown: // swapped if it held old, or never ran
			if s.has(in.old) {
				return true, s.with(in.val)
			}
			return true, s
		case out.swapped:
			if !s.has(in.old) {
				return false, s
			}
			return true, valueSet{in.val}
		default: // it did not hold old
			rest := s.without(in.old)
			return len(rest) > 0, rest
		}
	}
	return false, s
}

func describeOp(in regInput, out regOutput) string {
	var s string
	switch in.kind {
	case Read:
		s = fmt.Sprintf("read(%s)", in.key)
		if !out.unknown {
			s += fmt.Sprintf(" -> %d", out.got)
		}
	case Write:
		s = fmt.Sprintf("write(%s, %d)", in.key, in.val)
	case CAS:
		s = fmt.Sprintf("cas(%s, %d -> %d)", in.key, in.old, in.val)
		if !out.unknown {
			s += fmt.Sprintf(" -> %v", out.swapped)
		}
	default:
		s = in.kind.String()
	}
	if out.unknown {
		s += " ?"
	}
	return s
}

// partitionByKey splits a history into one sub-history per key, in key order.
func partitionByKey(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range history {
		k := op.Input.(regInput).key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out
}

// Options configure a linearizability check.
type Options struct {
	// Timeout bounds the whole check (default 10 s). A check that runs out
	// of time fails: porcupine's Unknown is never a pass.
	Timeout time.Duration
	// Initial is every register's value before the history.
	Initial int64
	// Initials, when set, gives some registers another value before the
	// history (a history that starts from a promoted replica's state).
	Initials map[string]int64
	// ArtifactDir receives the HTML visualization of a key whose history is
	// not linearizable (default: the system's temporary directory).
	ArtifactDir string
	// Name prefixes the visualization's file name (e.g. "register-seed-17").
	Name string
}

// Report is what a register check examined and found.
type Report struct {
	Ops      int // operations checked (unknown reads and failed operations are not)
	Unknown  int // of them, operations of unknown outcome
	Skipped  int // operations left out: failed ones and reads of unknown outcome
	Keys     int // registers (partitions) checked
	Result   porcupine.CheckResult
	BadKey   string // a key whose history is not linearizable
	HTMLPath string // where its visualization was written
}

// String summarizes the report.
func (r Report) String() string {
	s := fmt.Sprintf("%d ops (%d of unknown outcome, %d skipped) on %d keys: %s", r.Ops, r.Unknown, r.Skipped, r.Keys, r.Result)
	if r.BadKey != "" {
		s += fmt.Sprintf(" on key %q", r.BadKey)
	}
	if r.HTMLPath != "" {
		s += ", history: " + r.HTMLPath
	}
	return s
}

// Errors of CheckRegisters.
var (
	// ErrNotLinearizable: some key's history has no linearization.
	ErrNotLinearizable = errors.New("check: history not linearizable")
	// ErrCheckTimeout: the check ran out of time, so nothing was proven.
	ErrCheckTimeout = errors.New("check: linearizability check timed out (Unknown counts as a failure)")
)

// CheckRegisters checks a history of per-key register operations for
// linearizability, key by key. It returns an error wrapping
// ErrNotLinearizable (naming the key and the file holding the HTML
// visualization of its history) or ErrCheckTimeout; a nil error means
// every key's history is linearizable.
func CheckRegisters(ops []RegOp, opts Options) (Report, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	rep := Report{Result: porcupine.Ok}
	byKey := map[string][]porcupine.Operation{}
	end := int64(0)
	for _, op := range ops {
		end = max(end, op.Call, op.Return)
	}
	end++ // after everything: where operations of unknown outcome return
	for i, op := range ops {
		if op.Kind < Read || op.Kind > CAS || op.Outcome < OK || op.Outcome > Unknown {
			return rep, fmt.Errorf("check: operation %d (%+v) has no valid kind or outcome", i, op)
		}
		if op.Outcome != Unknown && op.Return < op.Call {
			return rep, fmt.Errorf("check: operation %d (%v) returns at %d, before its call at %d", i, op, op.Return, op.Call)
		}
		if op.Outcome == Unknown && op.Deadline != 0 && op.Deadline < op.Call {
			return rep, fmt.Errorf("check: operation %d (%v) has its deadline %d before its call at %d", i, op, op.Deadline, op.Call)
		}
	}
	for _, op := range ops {
		if op.Outcome == Failed || (op.Outcome == Unknown && op.Kind == Read) {
			rep.Skipped++
			continue
		}
		po := porcupine.Operation{
			ClientId: op.Client,
			Input:    regInput{op.Kind, op.Key, op.Value, op.Old},
			Call:     op.Call,
			Output:   regOutput{op.Outcome == Unknown, op.Got, op.Swapped},
			Return:   op.Return,
		}
		if op.Outcome == Unknown {
			po.Return = end
			if op.Deadline != 0 {
				po.Return = op.Deadline
			}
			rep.Unknown++
		}
		byKey[op.Key] = append(byKey[op.Key], po)
		rep.Ops++
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rep.Keys = len(keys)
	deadline := time.Now().Add(opts.Timeout)
	for _, k := range keys {
		model := RegisterModel(opts.Initial)
		if v, ok := opts.Initials[k]; ok {
			model = RegisterModel(v)
		}
		left := time.Until(deadline)
		if left <= 0 {
			rep.Result = porcupine.Unknown
			return rep, fmt.Errorf("%w: %v spent before key %q; %s", ErrCheckTimeout, opts.Timeout, k, rep)
		}
		switch porcupine.CheckOperationsTimeout(model, byKey[k], left) {
		case porcupine.Ok:
			continue
		case porcupine.Unknown:
			rep.Result, rep.BadKey = porcupine.Unknown, k
			return rep, fmt.Errorf("%w: after %v on key %q; %s", ErrCheckTimeout, opts.Timeout, k, rep)
		}
		rep.Result, rep.BadKey = porcupine.Illegal, k
		path, err := visualize(model, byKey[k], k, opts)
		if err != nil {
			return rep, fmt.Errorf("%w: key %q (%d ops); writing its visualization failed: %v", ErrNotLinearizable, k, len(byKey[k]), err)
		}
		rep.HTMLPath = path
		return rep, fmt.Errorf("%w: key %q (%d ops); visualization: %s", ErrNotLinearizable, k, len(byKey[k]), path)
	}
	return rep, nil
}

// visualize re-checks one key verbosely and writes porcupine's HTML
// visualization of it, returning the file's path.
func visualize(model porcupine.Model, ops []porcupine.Operation, key string, opts Options) (string, error) {
	_, info := porcupine.CheckOperationsVerbose(model, ops, opts.Timeout)
	dir := opts.ArtifactDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := opts.Name
	if name == "" {
		name = "registers"
	}
	path := filepath.Join(dir, fileSafe(name+"-"+key)+".html")
	if err := porcupine.VisualizePath(model, info, path); err != nil {
		return "", err
	}
	return path, nil
}

// fileSafe replaces characters that do not belong in a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
