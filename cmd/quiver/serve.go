package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/quiverdb/quiver/server"
)

func init() {
	commands["serve"] = command{
		summary: "run a standalone Quiver instance serving Bolt (quiver serve --bolt-port 7687 --data-directory DIR)",
		run:     runServe,
	}
}

func runServe(args []string) error {
	cfg, err := server.ParseConfig(args, os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := server.NewLogger(cfg.LogLevel)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return server.Run(ctx, cfg, log)
}
