package main

import (
	"bytes"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
)

// captureStdout runs f with os.Stdout redirected and returns what it wrote.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		var b bytes.Buffer
		_, _ = io.Copy(&b, r)
		done <- b.String()
	}()
	f()
	os.Stdout = old
	w.Close()
	return <-done
}

// TestHelpOnStdoutExitZero: --help of the binary and of every subcommand
// prints its usage on standard output and exits 0 (demo --help exited 1).
func TestHelpOnStdoutExitZero(t *testing.T) {
	names := []string{""}
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, h := range []string{"--help", "-h"} {
			args := []string{h}
			if n != "" {
				args = []string{n, h}
			}
			var stderr bytes.Buffer
			code := 0
			out := captureStdout(t, func() { code = run(args, os.Stdout, &stderr) })
			if code != 0 || !strings.Contains(out, "usage:") || stderr.Len() != 0 {
				t.Errorf("quiver %v: exit %d, stdout %q, stderr %q", args, code, out, stderr.String())
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"serve", "--version"}} {
		var stderr bytes.Buffer
		code := 0
		out := captureStdout(t, func() { code = run(args, os.Stdout, &stderr) })
		if code != 0 || !strings.HasPrefix(out, "quiver ") {
			t.Errorf("quiver %v: exit %d, stdout %q, stderr %q", args, code, out, stderr.String())
		}
	}
}

func TestBadFlagsGoToStderr(t *testing.T) {
	for _, args := range [][]string{{"demo", "--nope"}, {"sim", "--nope"}, {"console", "--nope"}, {"serve", "--nope"}, {"nope"}} {
		var stderr bytes.Buffer
		code := 0
		out := captureStdout(t, func() { code = run(args, os.Stdout, &stderr) })
		if code == 0 || out != "" || stderr.Len() == 0 {
			t.Errorf("quiver %v: exit %d, stdout %q, stderr %q", args, code, out, stderr.String())
		}
	}
}
