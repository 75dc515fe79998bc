// Package server is Quiver's production wiring: configuration from flags,
// a flag file and QUIVER_* environment variables, the Bolt listener, logs,
// metrics and the standalone data instance behind them.
package server

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quiverdb/quiver/bolt"
)

// Version is Quiver's version, reported by --version, SHOW VERSION and
// dbms.components(). Release builds set it with
// -ldflags "-X github.com/quiverdb/quiver/server.Version=...".
var Version = "0.1.0-dev"

// Config is `quiver serve`'s configuration. Flag names follow Memgraph's.
type Config struct {
	BoltAddress      string
	BoltPort         int
	DataDirectory    string
	WALEnabled       bool
	WALSyncEvery     int
	WALSyncDepth     int
	SnapshotInterval time.Duration
	QueryTimeout     time.Duration
	// MemoryLimit bounds the instance's memory in MiB (0: none).
	MemoryLimit int
	// QueryMemoryLimit bounds one query's memory in MiB (0: none).
	QueryMemoryLimit int
	// ShutdownTimeout bounds a graceful shutdown; past it the process
	// exits anyway.
	ShutdownTimeout   time.Duration
	AuthUser          string
	AuthPassword      string
	MetricsAddress    string
	MetricsPort       int
	MetricsEnabled    bool
	MaxConnections    int
	LogLevel          string
	LogFile           string
	SlowQuery         time.Duration
	LogQueryParams    bool
	ServerName        string
	HandshakeDeadline time.Duration
	ImportDirectory   string
	// ReplicationAddress is where the replication transport listens
	// ("host:port"; empty: none).
	ReplicationAddress string
	// ReplicationRestoreState restores the replication role and replicas
	// at start (--replication-restore-state-on-startup, default true).
	ReplicationRestoreState bool

	// Settings lists every flag with its default and current value, in
	// name order, for SHOW CONFIG. Secrets are left out.
	Settings []Setting
}

// Setting is one configuration flag as SHOW CONFIG reports it.
type Setting struct {
	Name, Default, Current, Description string
}

// ErrVersion is returned by ParseConfig when --version was given; the
// caller prints Version and exits successfully.
var ErrVersion = errors.New("version requested")

// secret flags are never shown by SHOW CONFIG.
var secret = map[string]bool{"auth-password": true}

// serveFlags declares every flag of `quiver serve` on fs, storing into c.
// The returned function finishes the fields that need conversion.
func serveFlags(fs *flag.FlagSet, c *Config) func() {
	fs.StringVar(&c.BoltAddress, "bolt-address", "0.0.0.0", "address to listen on for Bolt")
	fs.IntVar(&c.BoltPort, "bolt-port", 7687, "Bolt port (0 = any free port)")
	fs.StringVar(&c.DataDirectory, "data-directory", "quiver-data", "directory for the WAL and snapshots")
	fs.BoolVar(&c.WALEnabled, "storage-wal-enabled", true, "write a WAL of every commit (group commit: a commit is acknowledged once its fsync completes); false writes no WAL at all, so data persists only in snapshots (--storage-snapshot-interval-sec, CREATE SNAPSHOT, and the one at clean shutdown) and a crash loses every commit since the last snapshot")
	fs.IntVar(&c.WALSyncEvery, "storage-wal-file-flush-every-n-tx", 0,
		"fsync every N commits instead of group commit (0 = group commit; N > 0 can lose reported commits on a machine crash)")
	fs.IntVar(&c.WALSyncDepth, "storage-wal-sync-depth", 2,
		"group commit: how many WAL fsyncs may be in flight at once (1 = one at a time)")
	snap := fs.Int("storage-snapshot-interval-sec", 0, "seconds between snapshots (0 = none)")
	qt := fs.Int("query-execution-timeout-sec", 600, "server-side transaction timeout in seconds (0 = none)")
	fs.IntVar(&c.MemoryLimit, "memory-limit", 0, "memory limit of the whole instance in MiB (0 = none): queries fail rather than take the process past it")
	fs.IntVar(&c.QueryMemoryLimit, "query-memory-limit", 0, "memory limit of one query in MiB (0 = none); a query's QUERY MEMORY LIMIT n KB|MB replaces it")
	shut := fs.Int("shutdown-timeout-sec", 10, "seconds a graceful shutdown (SIGTERM) may take before the process exits anyway")
	fs.StringVar(&c.AuthUser, "auth-user", "", "user name required from clients (also QUIVER_USER); empty accepts anyone")
	fs.StringVar(&c.AuthPassword, "auth-password", "", "password for --auth-user (also QUIVER_PASSWORD)")
	fs.StringVar(&c.MetricsAddress, "metrics-address", "0.0.0.0", "address for /metrics and /health")
	fs.IntVar(&c.MetricsPort, "metrics-port", 9091, "port for /metrics and /health (0 = any free port)")
	fs.BoolVar(&c.MetricsEnabled, "metrics-enabled", true, "serve /metrics and /health")
	fs.IntVar(&c.MaxConnections, "bolt-max-connections", 1000, "maximum open Bolt connections")
	fs.StringVar(&c.LogLevel, "log-level", "INFO", "TRACE, DEBUG, INFO, WARNING, ERROR or CRITICAL (every query is logged at DEBUG and TRACE)")
	fs.StringVar(&c.LogFile, "log-file", "", "also write the log to this file (appended; empty = standard error only)")
	slow := fs.Int("log-slow-query-ms", 1000, "log queries that take at least this many milliseconds at WARNING (0 = off)")
	fs.BoolVar(&c.LogQueryParams, "log-query-parameters", false, "include query parameters in query log lines")
	fs.StringVar(&c.ServerName, "bolt-server-name-for-init", "", "server agent reported in HELLO (default \""+bolt.DefaultAgent+"\")")
	fs.StringVar(&c.ReplicationAddress, "replication-address", "", "host:port this instance listens on for replication traffic, as MAIN or REPLICA (empty = none until needed: SET REPLICATION ROLE TO REPLICA WITH PORT n listens on --bolt-address:n, and a MAIN's first REGISTER REPLICA starts one on an ephemeral port of --bolt-address for its replicas' answers); REGISTER REPLICA ... TO names a replica's replication address")
	fs.BoolVar(&c.ReplicationRestoreState, "replication-restore-state-on-startup", true, "restore the replication state at start: a REPLICA comes back a replica (on its WITH PORT port) of the MAIN it followed, a MAIN with its registered replicas in a new epoch, showing its recovered commits once its SYNC replicas confirm them (Memgraph's default since 2.17); false starts as a standalone MAIN and leaves the saved state alone")
	fs.StringVar(&c.ImportDirectory, "import-directory", "", "directory LOAD CSV reads files from; files outside it (through .. or symbolic links too) are refused (empty = LOAD CSV disabled)")
	fs.String("flag-file", "", "read flags from this file (also QUIVER_FLAG_FILE): one --name=value per line, # starts a comment; flags given on the command line win")
	fs.Bool("version", false, "print the version and exit")
	return func() {
		c.SnapshotInterval = time.Duration(*snap) * time.Second
		c.QueryTimeout = time.Duration(*qt) * time.Second
		c.ShutdownTimeout = time.Duration(*shut) * time.Second
		c.SlowQuery = time.Duration(*slow) * time.Millisecond
	}
}

// ParseConfig reads the configuration. A setting comes from, in order of
// precedence: the command line (args), the --flag-file, the environment
// (QUIVER_SOME_NAME for --some-name; QUIVER_USER and QUIVER_PASSWORD for
// the credentials), the default. getenv is os.Getenv in production. Help
// goes to out; -h/--help returns flag.ErrHelp and --version ErrVersion.
func ParseConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	if out == nil {
		out = io.Discard
	}
	// First pass: the command line alone, for --help, --version, errors
	// and the flag file's name.
	var probe Config
	fs := newServeFlagSet()
	serveFlags(fs, &probe)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, out)
		}
		return probe, err
	}
	if fs.NArg() > 0 {
		return probe, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if fs.Lookup("version").Value.String() == "true" {
		return probe, ErrVersion
	}
	flagFile := fs.Lookup("flag-file").Value.String()
	if flagFile == "" {
		flagFile = getenv("QUIVER_FLAG_FILE") // as Memgraph reads MEMGRAPH_CONFIG
	}

	var c Config
	fs = newServeFlagSet()
	finish := serveFlags(fs, &c)
	if err := applyEnv(fs, getenv); err != nil {
		return c, err
	}
	if flagFile != "" {
		if err := applyFlagFile(fs, flagFile); err != nil {
			return c, err
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	finish()
	c.Settings = settings(fs)
	return c, c.validate()
}

// newServeFlagSet returns an empty flag set that prints nothing itself:
// ParseConfig returns errors and prints help only when asked.
func newServeFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printUsage writes serve's help to out.
func printUsage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprintf(out, "usage: quiver serve [flags]\n\nA flag given on the command line beats --flag-file, which beats QUIVER_<NAME>\nenvironment variables, which beat the defaults.\n\n")
	fs.SetOutput(out)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// applyEnv sets every flag --some-name whose QUIVER_SOME_NAME is set.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "QUIVER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %v", env, v, e)
			}
		}
	})
	for env, name := range map[string]string{"QUIVER_USER": "auth-user", "QUIVER_PASSWORD": "auth-password"} {
		if v := getenv(env); v != "" && err == nil {
			err = fs.Set(name, v)
		}
	}
	return err
}

// applyFlagFile sets the flags listed in a Memgraph-style flag file: one
// --name=value (or --name for a boolean) per line; blank lines and lines
// starting with # are skipped.
func applyFlagFile(fs *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--flag-file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(line, "-"), "=")
		if !strings.HasPrefix(line, "-") || name == "" {
			return fmt.Errorf("--flag-file %s line %d: %q is not --name=value", path, n, line)
		}
		fl := fs.Lookup(name)
		if fl == nil || name == "flag-file" {
			return fmt.Errorf("--flag-file %s line %d: unknown flag --%s", path, n, name)
		}
		if !hasVal {
			if bf, ok := fl.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
				return fmt.Errorf("--flag-file %s line %d: --%s needs a value (--%s=VALUE)", path, n, name, name)
			}
			val = "true"
		}
		if err := fs.Set(name, val); err != nil {
			return fmt.Errorf("--flag-file %s line %d: --%s=%s: %v", path, n, name, val, err)
		}
	}
	return sc.Err()
}

// settings lists the flags for SHOW CONFIG, without secrets.
func settings(fs *flag.FlagSet) []Setting {
	var out []Setting
	fs.VisitAll(func(f *flag.Flag) {
		if secret[f.Name] || f.Name == "version" {
			return
		}
		out = append(out, Setting{Name: f.Name, Default: f.DefValue, Current: f.Value.String(), Description: f.Usage})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *Config) validate() error {
	switch {
	case c.BoltPort < 0 || c.BoltPort > 65535:
		return fmt.Errorf("--bolt-port %d is not a port (0-65535)", c.BoltPort)
	case c.MetricsPort < 0 || c.MetricsPort > 65535:
		return fmt.Errorf("--metrics-port %d is not a port (0-65535)", c.MetricsPort)
	case c.SnapshotInterval < 0:
		return fmt.Errorf("--storage-snapshot-interval-sec must be >= 0, got %d", int(c.SnapshotInterval/time.Second))
	case c.QueryTimeout < 0:
		return fmt.Errorf("--query-execution-timeout-sec must be >= 0, got %d", int(c.QueryTimeout/time.Second))
	case c.SlowQuery < 0:
		return fmt.Errorf("--log-slow-query-ms must be >= 0, got %d", c.SlowQuery.Milliseconds())
	case c.MemoryLimit < 0:
		return fmt.Errorf("--memory-limit must be >= 0 MiB, got %d", c.MemoryLimit)
	case c.QueryMemoryLimit < 0:
		return fmt.Errorf("--query-memory-limit must be >= 0 MiB, got %d", c.QueryMemoryLimit)
	case c.ShutdownTimeout < time.Second:
		return fmt.Errorf("--shutdown-timeout-sec must be at least 1, got %d", int(c.ShutdownTimeout/time.Second))
	case c.WALSyncDepth < 1:
		return fmt.Errorf("--storage-wal-sync-depth must be at least 1, got %d", c.WALSyncDepth)
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
	if c.ImportDirectory != "" {
		if st, err := os.Stat(c.ImportDirectory); err != nil || !st.IsDir() {
			return fmt.Errorf("--import-directory %s is not a directory", c.ImportDirectory)
		}
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
