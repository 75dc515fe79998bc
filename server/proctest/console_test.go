package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleInteractive drives `quiver console` in a terminal (tmux):
// Ctrl-C during a query cancels it and returns to the prompt (it used to
// kill the console, exit 130), and the history keeps whole multi-line
// queries as one entry.
func TestConsoleInteractive(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the interactive console test needs a terminal")
	}
	_, port := serve(t, t.TempDir())
	dir := t.TempDir()
	hist := filepath.Join(dir, "history")
	sock := fmt.Sprintf("quiver-test-%d", os.Getpid())
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v %s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-x", "200", "-y", "50", "-s", "c",
		fmt.Sprintf("%s console --port %d --history %s; echo CONSOLE-EXITED-$?; sleep 30", binary, port, hist))
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })
	// typeLine types text literally (tmux would take a trailing ';' as its
	// own separator) and presses Enter.
	typeLine := func(text string) {
		if strings.HasSuffix(text, ";") {
			text = strings.TrimSuffix(text, ";") + `\;`
		}
		tmux("send-keys", "-t", "c", "-l", text)
		tmux("send-keys", "-t", "c", "Enter")
	}
	screen := func() string { return tmux("capture-pane", "-p", "-t", "c", "-S", "-200") }
	waitScreen := func(want string, n int) {
		t.Helper()
		for i := 0; i < 200; i++ {
			if strings.Count(screen(), want) >= n {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the console never showed %q %d times:\n%s", want, n, screen())
	}
	waitScreen("quiver>", 1)
	typeLine("RETURN 1 AS x,")
	typeLine("       2 AS y;")
	waitScreen("1 row in set", 1)

	typeLine("UNWIND range(1, 1000) AS a UNWIND range(1, 1000) AS b UNWIND range(1, 1000) AS c RETURN a, b, c;")
	time.Sleep(700 * time.Millisecond)
	sent := time.Now()
	tmux("send-keys", "-t", "c", "C-c")
	waitScreen("Query cancelled.", 1)
	t.Logf("Ctrl-C to 'Query cancelled.': %v", time.Since(sent))
	typeLine("RETURN 'still here' AS s;")
	waitScreen(`"still here"`, 1)
	typeLine(":quit")
	waitScreen("CONSOLE-EXITED-", 1)
	if s := screen(); !strings.Contains(s, "CONSOLE-EXITED-0") {
		t.Errorf("the console did not exit 0 after :quit:\n%s", s)
	}
	b, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 3 || lines[0] != "RETURN 1 AS x, 2 AS y;" {
		t.Errorf("history %q: want the two-line query as one entry first", lines)
	}
}
