package trace

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvTraces names the environment variable that points at the shared
// traces directory, overriding the search [SharedDir] does.
const EnvTraces = "HOTPATH_TRACES"

// modulePath is the main module; its benchmarks module lives inside it, so
// walking up from either reaches the main module's go.mod.
const modulePath = "github.com/hotpath/hotpath"

// ErrNoSharedTraces is wrapped by the error SharedDir returns when the
// traces are not where it looked.
var ErrNoSharedTraces = errors.New("shared traces not found")

// SharedDir returns the directory holding the shared traces and
// reference_hit_ratios.tsv: $HOTPATH_TRACES if set, else ../shared/traces
// beside the directory of the hotpath module's go.mod, found by walking up
// from the working directory (so it works from any package directory of
// the module or of its benchmarks module). The error, which wraps
// [ErrNoSharedTraces] when the directory is missing, says how to point at
// the traces.
func SharedDir() (string, error) {
	if dir := os.Getenv(EnvTraces); dir != "" {
		if !isDir(dir) {
			return "", fmt.Errorf("trace: $%s=%s: %w (not a directory)", EnvTraces, dir, ErrNoSharedTraces)
		}
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("trace: %w", err)
	}
	root := ""
	for dir := wd; ; {
		if modulePathOf(filepath.Join(dir, "go.mod")) == modulePath {
			root = dir
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if root == "" {
		return "", fmt.Errorf("trace: %w: %s is not inside the %s module; set $%s to the traces directory",
			ErrNoSharedTraces, wd, modulePath, EnvTraces)
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "traces")
	if !isDir(dir) {
		return "", fmt.Errorf("trace: %w: %s does not exist; set $%s to the traces directory",
			ErrNoSharedTraces, dir, EnvTraces)
	}
	return dir, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// modulePathOf returns the module path declared in a go.mod file, or "".
func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
