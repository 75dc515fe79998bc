// Command quiver is Quiver's one binary. Each subcommand lives in its own
// file and registers itself in commands from an init function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/quiverdb/quiver/server"
)

// command is one subcommand: a one-line summary and its entry point, which
// receives the arguments after the subcommand's name.
type command struct {
	summary string
	run     func(args []string) error
}

// commands holds the registered subcommands by name.
var commands = map[string]command{}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run runs the command line args (without the program name) and returns
// the exit status: 0 for success and for help, 1 for a failure, 2 for an
// unknown command.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "quiver: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[1:])
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, server.ErrVersion):
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	fmt.Fprintf(stderr, "quiver %s: %v\n", args[0], err)
	if errors.Is(err, errUsage) {
		fmt.Fprintf(stderr, "(quiver %s --help lists the flags)\n", args[0])
	}
	return 1
}

// versionLine is what --version prints.
func versionLine() string { return "quiver " + server.Version }

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: quiver <command> [flags]   (quiver <command> --help for its flags; quiver --version)\n\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// errUsage marks a command-line mistake, after which run points to --help.
var errUsage = errors.New("bad command line")

// usageError wraps a flag parsing error so that run points to --help.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Is(target error) bool { return target == errUsage }
func (e usageError) Unwrap() error        { return e.err }

// parseFlags parses a subcommand's flags. Help (-h, --help) goes to
// standard output with the synopsis and returns flag.ErrHelp, which run
// turns into exit status 0; a mistake is returned for standard error.
func parseFlags(fs *flag.FlagSet, args []string, synopsis string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stdout, "usage: %s\n\n", synopsis)
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
