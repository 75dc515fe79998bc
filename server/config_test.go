package server

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigEnvOverridesFlags(t *testing.T) {
	env := map[string]string{"QUIVER_BOLT_PORT": "7777", "QUIVER_STORAGE_SNAPSHOT_INTERVAL_SEC": "30",
		"QUIVER_USER": "u", "QUIVER_PASSWORD": "p"}
	c, err := ParseConfig([]string{"--bolt-port", "1234", "--query-execution-timeout-sec", "5",
		"--data-directory", t.TempDir()}, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.BoltPort != 7777 || c.SnapshotInterval != 30*time.Second || c.QueryTimeout != 5*time.Second ||
		c.AuthUser != "u" || c.AuthPassword != "p" || !c.WALEnabled {
		t.Errorf("config %+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bolt-port", "-1"}, "is not a port"},
		{[]string{"--metrics-port", "99999"}, "is not a port"},
		{[]string{"--storage-snapshot-interval-sec", "-5"}, "must be >= 0"},
		{[]string{"--bolt-max-connections", "0"}, "at least 1"},
		{[]string{"--log-level", "LOUD"}, "is not one of"},
		{[]string{"--auth-password", "x"}, "without --auth-user"},
		{[]string{"stray"}, "unexpected argument"},
		{[]string{"--memory-limit", "-1"}, "--memory-limit must be >= 0"},
		{[]string{"--query-memory-limit", "-2"}, "--query-memory-limit must be >= 0"},
		{[]string{"--shutdown-timeout-sec", "0"}, "--shutdown-timeout-sec must be at least 1"},
	} {
		args := append([]string{"--data-directory", filepath.Join(dir, "d")}, c.args...)
		_, err := ParseConfig(args, func(string) string { return "" }, &strings.Builder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestConfigLimits(t *testing.T) {
	c, err := ParseConfig([]string{"--data-directory", t.TempDir(), "--memory-limit", "1024",
		"--query-memory-limit", "64", "--shutdown-timeout-sec", "3"}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.MemoryLimit != 1024 || c.QueryMemoryLimit != 64 || c.ShutdownTimeout != 3*time.Second {
		t.Errorf("config %+v", c)
	}
	d, err := ParseConfig([]string{"--data-directory", t.TempDir()}, func(string) string { return "" }, nil)
	if err != nil || d.MemoryLimit != 0 || d.QueryMemoryLimit != 0 || d.ShutdownTimeout != 10*time.Second {
		t.Errorf("defaults %+v %v", d, err)
	}
}
