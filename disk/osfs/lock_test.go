//go:build unix

package osfs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLockDirRefusesSecondOpener: a second lock on the same directory, in
// the same process, fails naming the holder; after Unlock it succeeds.
func TestLockDirRefusesSecondOpener(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir, "bolt 127.0.0.1:7687")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir, "bolt 127.0.0.1:7688")
	var iu *InUseError
	if !errors.As(err, &iu) || !errors.Is(err, ErrInUse) {
		t.Fatalf("second lock: %v, want an InUseError", err)
	}
	for _, want := range []string{fmt.Sprintf("pid %d", os.Getpid()), "bolt 127.0.0.1:7687", dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := LockDir(dir, "")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	l2.Unlock()
}

// TestLockDirAcrossProcesses: a child process holds the lock; this process
// is refused with the child's pid; once the child exits (as a crash would
// end it) the lock is free again.
func TestLockDirAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("QUIVER_LOCK_HELPER_DIR"); dir != "" {
		holdLockForParent(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDirAcrossProcesses$")
	cmd.Env = append(os.Environ(), "QUIVER_LOCK_HELPER_DIR="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked") {
		t.Fatalf("helper said %q, %v", line, err)
	}
	_, err = LockDir(dir, "")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d ", cmd.Process.Pid)) {
		t.Fatalf("lock held by pid %d: got %v", cmd.Process.Pid, err)
	}
	stdin.Close() // the helper exits without unlocking
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	l, err := LockDir(dir, "")
	if err != nil {
		t.Fatalf("lock after the holder exited: %v", err)
	}
	l.Unlock()
}

// holdLockForParent is the child of TestLockDirAcrossProcesses: it locks
// dir, says so, and exits when its stdin closes.
func holdLockForParent(dir string) {
	if _, err := LockDir(dir, "helper"); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}
