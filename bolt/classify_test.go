package bolt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestClassifyInUserTerms: errors without a status code still reach the
// client with one and with a message in the user's terms (a context's
// "context deadline exceeded" used to reach users raw).
func TestClassifyInUserTerms(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{context.DeadlineExceeded, CodeTxTimedOut},
		{fmt.Errorf("running: %w", context.DeadlineExceeded), CodeTxTimedOut},
		{context.Canceled, CodeTerminated},
		{errors.New("durability: WAL segment 3 is gone"), CodeUnknown},
	} {
		code, msg := Classify(c.err)
		if code != c.code || strings.Contains(msg, "context") || strings.Contains(msg, "durability:") || msg == "" {
			t.Errorf("Classify(%v) = %s, %q", c.err, code, msg)
		}
	}
	if code, msg := Classify(&Error{Code: "Neo.ClientError.Statement.SyntaxError", Message: "bad"}); code != "Neo.ClientError.Statement.SyntaxError" || msg != "bad" {
		t.Errorf("a coded error changed: %s %q", code, msg)
	}
}
