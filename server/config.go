// Package server is Quiver's production wiring: configuration from flags and
// QUIVER_* environment variables, the Bolt listener, logs, metrics and the
// standalone data instance behind them.
package server

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quiverdb/quiver/bolt"
)

// Config is `quiver serve`'s configuration. Flag names follow Memgraph's.
type Config struct {
	BoltAddress       string
	BoltPort          int
	DataDirectory     string
	WALEnabled        bool
	WALSyncEvery      int
	SnapshotInterval  time.Duration
	QueryTimeout      time.Duration
	AuthUser          string
	AuthPassword      string
	MetricsAddress    string
	MetricsPort       int
	MaxConnections    int
	LogLevel          string
	ServerName        string
	HandshakeDeadline time.Duration
}

// ParseConfig reads flags from args; every flag --some-name can also be set
// with QUIVER_SOME_NAME, which overrides the flag. getenv is os.Getenv in
// production.
func ParseConfig(args []string, getenv func(string) string, errOut io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&c.BoltAddress, "bolt-address", "0.0.0.0", "address to listen on for Bolt")
	fs.IntVar(&c.BoltPort, "bolt-port", 7687, "Bolt port")
	fs.StringVar(&c.DataDirectory, "data-directory", "quiver-data", "directory for the WAL and snapshots")
	fs.BoolVar(&c.WALEnabled, "storage-wal-enabled", true, "write a WAL of every commit (group commit: a commit is acknowledged once its fsync completes); false writes no WAL at all, so data persists only in snapshots (--storage-snapshot-interval-sec, CREATE SNAPSHOT, and the one at clean shutdown) and a crash loses every commit since the last snapshot")
	fs.IntVar(&c.WALSyncEvery, "storage-wal-file-flush-every-n-tx", 0,
		"fsync every N commits instead of group commit (0 = group commit; N > 0 can lose reported commits on a machine crash)")
	snap := fs.Int("storage-snapshot-interval-sec", 0, "seconds between snapshots (0 = none)")
	qt := fs.Int("query-execution-timeout-sec", 600, "server-side transaction timeout in seconds (0 = none)")
	fs.StringVar(&c.AuthUser, "auth-user", "", "user name required from clients (also QUIVER_USER); empty accepts anyone")
	fs.StringVar(&c.AuthPassword, "auth-password", "", "password for --auth-user (also QUIVER_PASSWORD)")
	fs.StringVar(&c.MetricsAddress, "metrics-address", "0.0.0.0", "address for /metrics and /health")
	fs.IntVar(&c.MetricsPort, "metrics-port", 9091, "port for /metrics and /health (0 = disabled)")
	fs.IntVar(&c.MaxConnections, "bolt-max-connections", 1000, "maximum open Bolt connections")
	fs.StringVar(&c.LogLevel, "log-level", "INFO", "TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL")
	fs.StringVar(&c.ServerName, "bolt-server-name-for-init", "", "server agent reported in HELLO (default \""+bolt.DefaultAgent+"\")")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "QUIVER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %v", env, v, e)
			}
		}
	})
	if err != nil {
		return c, err
	}
	if v := getenv("QUIVER_USER"); v != "" {
		c.AuthUser = v
	}
	if v := getenv("QUIVER_PASSWORD"); v != "" {
		c.AuthPassword = v
	}
	c.SnapshotInterval = time.Duration(*snap) * time.Second
	c.QueryTimeout = time.Duration(*qt) * time.Second
	return c, c.validate(*snap, *qt)
}

func (c *Config) validate(snap, qt int) error {
	switch {
	case c.BoltPort < 0 || c.BoltPort > 65535:
		return fmt.Errorf("--bolt-port %d is not a port (0-65535)", c.BoltPort)
	case c.MetricsPort < 0 || c.MetricsPort > 65535:
		return fmt.Errorf("--metrics-port %d is not a port (0-65535)", c.MetricsPort)
	case snap < 0:
		return fmt.Errorf("--storage-snapshot-interval-sec must be >= 0, got %d", snap)
	case qt < 0:
		return fmt.Errorf("--query-execution-timeout-sec must be >= 0, got %d", qt)
	case c.MaxConnections < 1:
		return fmt.Errorf("--bolt-max-connections must be at least 1, got %d", c.MaxConnections)
	case c.DataDirectory == "":
		return fmt.Errorf("--data-directory must not be empty")
	case c.AuthPassword != "" && c.AuthUser == "":
		return fmt.Errorf("--auth-password given without --auth-user")
	case c.AuthUser != "" && c.AuthPassword == "":
		return fmt.Errorf("--auth-user %q needs --auth-password", c.AuthUser)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return checkDataDir(c.DataDirectory)
}

// checkDataDir makes sure the data directory exists (or can be created) and
// is writable.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--data-directory %s cannot be created: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("--data-directory %s is not writable: %v", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// boltAddr is the Bolt listen address.
func (c *Config) boltAddr() string {
	return c.BoltAddress + ":" + strconv.Itoa(c.BoltPort)
}
