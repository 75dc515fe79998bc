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
	ctx, force := signalContexts()
	return server.Run(ctx, force, cfg, log)
}

// signalContexts returns a context that ends at the first SIGTERM or SIGINT
// (a graceful shutdown) and one that ends at the second (exit now).
func signalContexts() (graceful, force context.Context) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	graceful, stop := context.WithCancel(context.Background())
	force, exit := context.WithCancel(context.Background())
	go func() {
		<-sigs
		stop()
		<-sigs
		exit()
	}()
	return graceful, force
}
