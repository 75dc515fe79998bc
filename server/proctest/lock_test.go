package proctest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSecondServeRefused: a second `quiver serve` on a data directory that
// a running one holds refuses to start, naming the holder's pid and Bolt
// address, and leaves the first serving.
func TestSecondServeRefused(t *testing.T) {
	dir := t.TempDir()
	first, port := serve(t, dir)
	if n := count(t, port); n != 0 {
		t.Fatalf("fresh directory holds %d nodes", n)
	}
	second := exec.Command(binary, "serve", "--bolt-address", "127.0.0.1", "--bolt-port", fmt.Sprint(freePort(t)),
		"--metrics-port", "0", "--data-directory", dir)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = second.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		<-done
		t.Fatal("the second server did not exit")
	}
	msg := string(out)
	if err == nil || !strings.Contains(msg, "in use") || !strings.Contains(msg, fmt.Sprintf("pid %d ", first.Process.Pid)) ||
		!strings.Contains(msg, fmt.Sprintf("bolt 127.0.0.1:%d", port)) {
		t.Fatalf("second serve: %v\n%s", err, msg)
	}
	t.Logf("second serve refused: %s", strings.TrimSpace(msg))
	if n := count(t, port); n != 0 {
		t.Fatalf("first server after the refusal: %d nodes", n)
	}
}
