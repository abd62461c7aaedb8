package pluginmgr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Prefix is the file name prefix of plugin executables; the rest of the name
// is the plugin's name, which must match what the plugin's Describe says.
const Prefix = "payhost-plugin-"

// Binary is one plugin executable found in the plugins directory.
type Binary struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// SHA256 is the lowercase hex digest of the file, empty if unreadable.
	SHA256 string `json:"sha256"`
	// Problem says why the file must not be run, empty when it may.
	Problem string `json:"problem,omitempty"`
}

// Discover lists the payhost-plugin-* files of dir, sorted by name. The
// directory itself must be a real directory (not a symlink) that neither
// group nor others can write, since whoever can write there can run code as
// the host; a file that fails the same checks is returned with a Problem.
func Discover(dir string) ([]Binary, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading plugins directory: %w", err)
	}
	var bins []Binary
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), Prefix) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b := Binary{Name: strings.TrimPrefix(e.Name(), Prefix), Path: filepath.Join(dir, e.Name())}
		b.Problem = checkFile(b.Path)
		if b.Problem == "" {
			sum, err := fileSHA256(b.Path)
			if err != nil {
				b.Problem = "cannot be read: " + err.Error()
			}
			b.SHA256 = sum
		}
		bins = append(bins, b)
	}
	sort.Slice(bins, func(i, j int) bool { return bins[i].Name < bins[j].Name })
	return bins, nil
}

func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("plugins directory %s: %w", dir, err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("plugins directory %s is a symlink: point plugins.dir at the real directory", dir)
	case !fi.IsDir():
		return fmt.Errorf("plugins directory %s is not a directory", dir)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("plugins directory %s is writable by group or others (mode %v): run chmod go-w on it", dir, fi.Mode().Perm())
	}
	return nil
}

func checkFile(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return err.Error()
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return "is a symlink; copy the binary into the plugins directory"
	case !fi.Mode().IsRegular():
		return "is not a regular file"
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Sprintf("is writable by group or others (mode %v); run chmod go-w on it", fi.Mode().Perm())
	case fi.Mode().Perm()&0o100 == 0:
		return "is not executable"
	}
	return ""
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
