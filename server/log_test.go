package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoLogFieldCollidesWithEncoderKeys reads every Go file of the repo and
// fails on a zap field named like a key the encoder writes itself (the
// snapshot lines once repeated "ts", the encoder's time key, so a JSON
// reader lost the line's time).
func TestNoLogFieldCollidesWithEncoderKeys(t *testing.T) {
	reserved := []string{logTimeKey, logLevelKey, logMessageKey, logCallerKey, logStackKey, logNameKey}
	re := regexp.MustCompile(`zap\.[A-Za-z0-9]+\("(` + strings.Join(reserved, "|") + `)"`)
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.Contains(path, "node_modules") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, m := range re.FindAllString(string(b), -1) {
			t.Errorf("%s: %s collides with the log encoder's own key", path, m)
		}
		return nil
	})
	if err != nil || n < 100 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}
