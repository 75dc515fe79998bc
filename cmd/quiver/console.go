package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server/console"
)

func init() {
	commands["console"] = command{
		summary: "interactive Cypher client (quiver console --host 127.0.0.1 --port 7687 [-e QUERY] [--format csv|tabular|json])",
		run:     runConsole,
	}
}

func runConsole(args []string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "server host")
	port := fs.Int("port", 7687, "server Bolt port")
	user := fs.String("username", os.Getenv("QUIVER_USER"), "user name (default $QUIVER_USER)")
	pass := fs.String("password", os.Getenv("QUIVER_PASSWORD"), "password (default $QUIVER_PASSWORD)")
	exec := fs.String("e", "", "run these ';'-separated queries and exit")
	format := fs.String("format", console.Tabular, "output format: tabular, csv or json (one JSON object per row)")
	history := fs.String("history", defaultHistory(), "file for the interactive history of whole queries (empty: none)")
	if err := parseFlags(fs, args, "quiver console [--host H] [--port P] [-e QUERIES] [--format tabular|csv|json]"); err != nil {
		return err
	}
	switch *format {
	case console.Tabular, console.CSV, console.JSON:
	default:
		return usageError{fmt.Errorf("--format %q is not tabular, csv or json", *format)}
	}
	auth := neo4j.NoAuth()
	if *user != "" {
		auth = neo4j.BasicAuth(*user, *pass, "")
	}
	d, err := neo4j.NewDriverWithContext(fmt.Sprintf("bolt://%s:%d", *host, *port), auth)
	if err != nil {
		return err
	}
	ctx := context.Background()
	defer d.Close(ctx)
	if err := d.VerifyConnectivity(ctx); err != nil {
		return fmt.Errorf("cannot connect to %s:%d: %w", *host, *port, err)
	}
	c := console.New(d, os.Stdout)
	c.Format = *format
	if *format != console.Tabular {
		c.Err = os.Stderr
	}
	if *exec != "" {
		return c.Script(ctx, strings.NewReader(*exec))
	}
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		return c.Script(ctx, bufio.NewReader(os.Stdin))
	}
	return interactive(ctx, c, *history)
}

func defaultHistory() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".quiver_history")
}

// interactive reads queries at a prompt. History keeps whole queries, one
// entry each however many lines they took; Ctrl-C at the prompt clears the
// line, and during a query cancels it and comes back to the prompt.
func interactive(ctx context.Context, c *console.Console, history string) error {
	rl, err := readline.NewEx(&readline.Config{Prompt: "quiver> ", HistoryFile: history, DisableAutoSaveHistory: true})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Println("Type a Cypher query ending with ';'. :help lists the commands, :quit or Ctrl-D exits.")
	var buf strings.Builder
	var lines []string
	for {
		if buf.Len() > 0 {
			rl.SetPrompt("     -> ")
		} else {
			rl.SetPrompt("quiver> ")
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			lines = nil
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if buf.Len() == 0 && console.IsCommand(line) {
			_ = rl.SaveHistory(strings.TrimSpace(line))
			if err := runInterruptible(ctx, func(ctx context.Context) error { return c.Command(ctx, line) }); errors.Is(err, console.ErrQuit) {
				return nil
			}
			continue
		}
		buf.WriteString(line + "\n")
		if t := strings.TrimSpace(line); t != "" {
			lines = append(lines, t)
		}
		queries := console.Split(&buf)
		if len(queries) == 0 {
			continue
		}
		_ = rl.SaveHistory(strings.Join(lines, " "))
		lines = nil
		for _, q := range queries {
			_ = runInterruptible(ctx, func(ctx context.Context) error { c.Run(ctx, q); return nil })
		}
	}
}

// runInterruptible runs f with a context that Ctrl-C (SIGINT) cancels, so
// that an interrupt ends the query instead of the console.
func runInterruptible(ctx context.Context, f func(context.Context) error) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	return f(ctx)
}
