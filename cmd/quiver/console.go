package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/quiverdb/quiver/server/console"
)

func init() {
	commands["console"] = command{
		summary: "interactive Cypher client (quiver console --host 127.0.0.1 --port 7687 [-e QUERY])",
		run:     runConsole,
	}
}

func runConsole(args []string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "server host")
	port := fs.Int("port", 7687, "server Bolt port")
	user := fs.String("username", os.Getenv("QUIVER_USER"), "user name")
	pass := fs.String("password", os.Getenv("QUIVER_PASSWORD"), "password")
	exec := fs.String("e", "", "run these ';'-separated queries and exit")
	if err := parseFlags(fs, args, "quiver console [--host H] [--port P] [-e QUERIES] [--format tabular|csv|json]"); err != nil {
		return err
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
	if *exec != "" {
		return c.Script(ctx, strings.NewReader(*exec))
	}
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		return c.Script(ctx, bufio.NewReader(os.Stdin))
	}
	return interactive(ctx, c)
}

func interactive(ctx context.Context, c *console.Console) error {
	home, _ := os.UserHomeDir()
	rl, err := readline.NewEx(&readline.Config{Prompt: "quiver> ", HistoryFile: filepath.Join(home, ".quiver_history")})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Println("Type a Cypher query ending with ';'. :quit or Ctrl-D exits.")
	var buf strings.Builder
	for {
		if buf.Len() > 0 {
			rl.SetPrompt("     -> ")
		} else {
			rl.SetPrompt("quiver> ")
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if buf.Len() == 0 && strings.TrimSpace(line) == ":quit" {
			return nil
		}
		buf.WriteString(line + "\n")
		for _, q := range console.Split(&buf) {
			c.Run(ctx, q)
		}
	}
}
