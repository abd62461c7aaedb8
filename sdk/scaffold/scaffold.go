// Package scaffold generates a new payhost plugin as a standalone Go
// module: go.mod, a one-call main, a provider whose methods say what each
// must do, a simulator of the provider, tests (paymenttest in-process and
// the conformance runner on the built binary) and a Makefile. As
// generated, it builds, its tests pass and the runner passes on its binary.
// payhost plugins new NAME calls [Generate].
package scaffold

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

//go:embed template
var templates embed.FS

// SDKModule is the SDK's module path.
const SDKModule = "github.com/payhost/payhost/sdk"

// Options say what to generate.
type Options struct {
	// Name is the plugin's id: the binary is payhost-plugin-<Name> and its
	// mode has this id. Lower-case letters and digits, starting with a letter.
	Name string
	// Dir is where the module goes; it must not exist or be empty.
	Dir string
	// Module is the Go module path; empty means example.com/payhost-plugin-<Name>.
	Module string
	// SDKDir, when set, is a local copy of the SDK module (absolute, or
	// relative to Dir): go.mod gets a replace directive to it and the
	// SDK's requirements and checksums, so the module builds offline.
	// Empty leaves the SDK to `go mod tidy`, which fetches a published
	// version.
	SDKDir string
}

var nameRe = regexp.MustCompile(`^[a-z][a-z0-9]{0,31}$`)

// Generate writes the module and returns the files it wrote, relative to Dir.
func Generate(o Options) ([]string, error) {
	if !nameRe.MatchString(o.Name) {
		return nil, fmt.Errorf("plugin name %q: 1-32 lower-case letters and digits, starting with a letter", o.Name)
	}
	if o.Module == "" {
		o.Module = "example.com/payhost-plugin-" + o.Name
	}
	if entries, err := os.ReadDir(o.Dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty", o.Dir)
	}
	data := map[string]string{
		"Name": o.Name, "Package": o.Name, "Module": o.Module,
		"Title": strings.ToUpper(o.Name[:1]) + o.Name[1:],
	}
	var written []string
	write := func(rel string, b []byte) error {
		path := filepath.Join(o.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		written = append(written, rel)
		return os.WriteFile(path, b, 0o644)
	}
	err := fs.WalkDir(templates, "template", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(path, "template/"), ".tmpl")
		switch rel {
		case "cmd/main.go":
			rel = "cmd/payhost-plugin-" + o.Name + "/main.go"
		case "provider.go", "provider_test.go":
		case "gitignore":
			rel = ".gitignore"
		}
		// [[ ]] delimiters: Go composite literals are full of {{.
		t, err := template.New(filepath.Base(path)).Delims("[[", "]]").ParseFS(templates, path)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return write(rel, buf.Bytes())
	})
	if err != nil {
		return nil, err
	}
	mod, sum, err := goMod(o)
	if err != nil {
		return nil, err
	}
	if err := write("go.mod", mod); err != nil {
		return nil, err
	}
	if sum != nil {
		if err := write("go.sum", sum); err != nil {
			return nil, err
		}
	}
	return written, nil
}

// goMod returns go.mod and, with a local SDK, go.sum: the SDK's own
// requirements become the module's indirect ones.
func goMod(o Options) ([]byte, []byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "module %s\n\ngo 1.26.0\n", o.Module)
	if o.SDKDir == "" {
		return b.Bytes(), nil, nil
	}
	sdk := o.SDKDir
	if !filepath.IsAbs(sdk) {
		sdk = filepath.Join(o.Dir, sdk)
	}
	sdkMod, err := os.ReadFile(filepath.Join(sdk, "go.mod"))
	if err != nil {
		return nil, nil, fmt.Errorf("the SDK: %w", err)
	}
	if !bytes.Contains(sdkMod, []byte("module "+SDKModule+"\n")) {
		return nil, nil, fmt.Errorf("%s is not the payhost SDK (module %s)", sdk, SDKModule)
	}
	sum, err := os.ReadFile(filepath.Join(sdk, "go.sum"))
	if err != nil {
		return nil, nil, fmt.Errorf("the SDK: %w", err)
	}
	fmt.Fprintf(&b, "\nrequire %s v0.0.0-00010101000000-000000000000\n\nrequire (\n", SDKModule)
	for _, r := range requirements(sdkMod) {
		fmt.Fprintf(&b, "\t%s // indirect\n", r)
	}
	fmt.Fprintf(&b, ")\n\nreplace %s => %s\n", SDKModule, filepath.ToSlash(o.SDKDir))
	return b.Bytes(), sum, nil
}

// requirements lists "path version" of every require line of a go.mod.
func requirements(mod []byte) []string {
	var out []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(mod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line, _, _ = strings.Cut(line, "//")
		line = strings.TrimSpace(line)
		switch {
		case line == "require (":
			in = true
		case in && line == ")":
			in = false
		case in && line != "":
			out = append(out, line)
		case strings.HasPrefix(line, "require "):
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "require ")))
		}
	}
	return out
}
