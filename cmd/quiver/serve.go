package main

import (
	"context"
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
	cfg, err := server.ParseConfig(args, os.Getenv, os.Stdout)
	if err != nil {
		return err
	}
	log, closeLog, err := server.NewLogger(cfg.LogLevel, cfg.LogFile)
	if err != nil {
		return err
	}
	defer closeLog()
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return server.Run(ctx, cfg, log)
}
