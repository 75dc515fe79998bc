package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/quiverdb/quiver/server"
)

func init() {
	commands["demo"] = command{
		summary: "start a local deployment and print its connection URIs (what exists so far: one standalone data instance)",
		run:     runDemo,
	}
}

// runDemo starts what Quiver has today on this machine: the HA cluster
// (coordinators and replicas) is not built yet, so the demo runs one
// standalone data instance with durable storage and prints how to reach it.
// It serves until Ctrl-C, or stops at once with --check after printing.
func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dir := fs.String("data-directory", filepath.Join(os.TempDir(), "quiver-demo"), "data directory of the demo instance")
	port := fs.Int("bolt-port", 7687, "Bolt port (0 = any free port)")
	metricsPort := fs.Int("metrics-port", 9091, "metrics and health port (0 = any free port)")
	check := fs.Bool("check", false, "start, print the URIs, then stop (used by tests)")
	if err := parseFlags(fs, args, "quiver demo [--bolt-port 7687] [--metrics-port 9091] [--data-directory DIR]"); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("demo data directory: %w", err)
	}
	cfg, err := server.ParseConfig([]string{
		"--bolt-port", fmt.Sprint(*port),
		"--metrics-port", fmt.Sprint(*metricsPort),
		"--data-directory", *dir,
		"--bolt-address", "127.0.0.1",
		"--metrics-address", "127.0.0.1",
		"--log-level", "WARNING",
	}, func(string) string { return "" }, os.Stderr)
	if err != nil {
		return err
	}
	log, closeLog, err := server.NewLogger(cfg.LogLevel, "")
	if err != nil {
		return err
	}
	defer closeLog()
	s, err := server.Start(cfg, log)
	if err != nil {
		return err
	}
	defer s.Stop()
	fmt.Printf("Quiver demo: 1 standalone data instance (the HA cluster of coordinators and replicas is not built yet)\n")
	fmt.Printf("  bolt://%s      (Neo4j drivers, quiver console)\n", s.BoltAddr())
	fmt.Printf("  neo4j://%s     (routing URI; this instance answers ROUTE for itself)\n", s.BoltAddr())
	if m := s.MetricsAddr(); m != "" {
		fmt.Printf("  http://%s/metrics  and /health\n", m)
	}
	fmt.Printf("  data directory: %s\n", *dir)
	host, p, _ := net.SplitHostPort(s.BoltAddr())
	fmt.Printf("Try: bin/quiver console --host %s --port %s\n", host, p)
	if *check {
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	fmt.Println("Ctrl-C stops it.")
	<-ctx.Done()
	return nil
}
