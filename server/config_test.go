package server

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

// TestConfigPrecedence: the command line beats the flag file, which beats
// the environment, which beats the defaults (the environment used to beat
// an explicit flag).
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	ff := filepath.Join(dir, "quiver.conf")
	if err := os.WriteFile(ff, []byte("# Memgraph-style flag file\n\n--query-execution-timeout-sec=7\n--log-level=DEBUG\n--storage-wal-enabled=false\n--log-query-parameters\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"QUIVER_BOLT_PORT": "18500", "QUIVER_STORAGE_SNAPSHOT_INTERVAL_SEC": "30",
		"QUIVER_LOG_LEVEL": "ERROR", "QUIVER_QUERY_EXECUTION_TIMEOUT_SEC": "9", "QUIVER_USER": "u", "QUIVER_PASSWORD": "p"}
	c, err := ParseConfig([]string{"--bolt-port", "18501", "--flag-file", ff, "--log-level", "WARNING",
		"--data-directory", filepath.Join(dir, "d")}, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.BoltPort != 18501 {
		t.Errorf("bolt port %d: the command line must beat QUIVER_BOLT_PORT", c.BoltPort)
	}
	if c.LogLevel != "WARNING" {
		t.Errorf("log level %s: the command line must beat the flag file and the environment", c.LogLevel)
	}
	if c.QueryTimeout != 7*time.Second {
		t.Errorf("query timeout %v: the flag file must beat the environment", c.QueryTimeout)
	}
	if c.SnapshotInterval != 30*time.Second || c.AuthUser != "u" || c.AuthPassword != "p" {
		t.Errorf("the environment must beat the defaults: %+v", c)
	}
	if c.WALEnabled || !c.LogQueryParams {
		t.Errorf("flag file booleans not applied: wal %v params %v", c.WALEnabled, c.LogQueryParams)
	}
	for _, s := range c.Settings {
		if s.Name == "auth-password" {
			t.Error("SHOW CONFIG settings include the password")
		}
		if s.Name == "bolt-port" && (s.Current != "18501" || s.Default != "7687") {
			t.Errorf("bolt-port setting %+v", s)
		}
	}
}

// TestConfigFlagFileFromEnvironment: QUIVER_FLAG_FILE names the flag file
// when the command line does not.
func TestConfigFlagFileFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	ff := filepath.Join(dir, "quiver.conf")
	if err := os.WriteFile(ff, []byte("--bolt-port=7999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"QUIVER_FLAG_FILE": ff}
	c, err := ParseConfig([]string{"--data-directory", filepath.Join(dir, "d")}, func(k string) string { return env[k] }, nil)
	if err != nil || c.BoltPort != 7999 {
		t.Errorf("QUIVER_FLAG_FILE: port %d, %v", c.BoltPort, err)
	}
}

func TestConfigHelpAndVersion(t *testing.T) {
	var out strings.Builder
	_, err := ParseConfig([]string{"--help"}, noEnv, &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-bolt-port") || !strings.Contains(out.String(), "-flag-file") {
		t.Errorf("--help: %v, output %q", err, out.String())
	}
	if _, err := ParseConfig([]string{"--version"}, noEnv, nil); !errors.Is(err, ErrVersion) {
		t.Errorf("--version: %v", err)
	}
	out.Reset()
	if _, err := ParseConfig([]string{"--bogus"}, noEnv, &out); err == nil || out.Len() != 0 {
		t.Errorf("a bad flag must be an error with no help printed: %v %q", err, out.String())
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	_ = os.WriteFile(bad, []byte("--no-such-flag=1\n"), 0o644)
	noval := filepath.Join(dir, "noval.conf")
	_ = os.WriteFile(noval, []byte("--bolt-port\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bolt-port", "-1"}, "is not a port"},
		{[]string{"--metrics-port", "99999"}, "is not a port"},
		{[]string{"--storage-snapshot-interval-sec", "-5"}, "must be >= 0"},
		{[]string{"--bolt-max-connections", "0"}, "at least 1"},
		{[]string{"--storage-wal-sync-depth", "0"}, "--storage-wal-sync-depth must be at least 1"},
		{[]string{"--log-level", "LOUD"}, "is not one of"},
		{[]string{"--auth-password", "x"}, "without --auth-user"},
		{[]string{"stray"}, "unexpected argument"},
		{[]string{"--flag-file", filepath.Join(dir, "missing.conf")}, "--flag-file"},
		{[]string{"--flag-file", bad}, "line 1: unknown flag --no-such-flag"},
		{[]string{"--flag-file", noval}, "needs a value"},
		{[]string{"--log-slow-query-ms", "-1"}, "must be >= 0"},
	} {
		args := append([]string{"--data-directory", filepath.Join(dir, "d")}, c.args...)
		_, err := ParseConfig(args, noEnv, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}
