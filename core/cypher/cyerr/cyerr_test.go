package cyerr

import (
	"fmt"
	"testing"
)

func TestErrorFormatAndKind(t *testing.T) {
	e := ArgumentError(DetailNumberOutOfRange, "step %d", 0)
	if e.Kind() != "ArgumentError" || e.Phase != PhaseRuntime || e.Phase.String() != "runtime" {
		t.Fatalf("got %+v", e)
	}
	if got, want := e.Error(), "ArgumentError (NumberOutOfRange): step 0"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	e.Line, e.Column = 2, 5
	if got, want := e.Error(), "ArgumentError (NumberOutOfRange) at line 2, column 5: step 0"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	got, ok := As(fmt.Errorf("wrapped: %w", e))
	if !ok || got != e {
		t.Fatalf("As did not unwrap")
	}
	if _, ok := As(fmt.Errorf("plain")); ok {
		t.Fatalf("As accepted a plain error")
	}
	if (&Error{Code: "X"}).Kind() != "X" || PhaseCompile.String() != "compile time" {
		t.Fatalf("Kind/Phase strings wrong")
	}
}
