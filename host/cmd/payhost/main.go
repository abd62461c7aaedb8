// Command payhost is the payment plugin host.
//
//	payhost serve   [--config payhost.yaml]   run the server
//	payhost config check [--config payhost.yaml]
//	payhost plugins list|pin|verify [--config payhost.yaml]
//	payhost plugins test [--json] [--config FILE] PATH   conformance checks on one binary
//	payhost plugins new NAME [--dir DIR] [--module PATH] [--sdk DIR]   a new plugin module
//	payhost migrate [--config payhost.yaml]   apply database migrations and exit
//	payhost version | --version
//
// The configuration path defaults to $PAYHOST_CONFIG, then payhost.yaml.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/sdk/plugincheck"
	"github.com/payhost/payhost/sdk/scaffold"
)

// version and built are set at build time by the Makefile:
// -ldflags "-X main.version=$(git describe) -X main.built=<date>".
var (
	version = "dev"
	built   = "unknown"
)

const usage = `usage: payhost <command> [flags]

commands:
  serve            run the server (SIGHUP reloads, SIGTERM/SIGINT drain and stop)
  config check     validate the configuration, mode configurations through the plugins
  plugins list     list the plugin binaries, their checksums and pin status
  plugins pin      print the pins block for the configuration
  plugins verify   exit non-zero unless every plugin binary matches its pin
  plugins test     run the conformance checks on a plugin binary (payhost plugins test --help)
  plugins new      generate a new plugin module: payhost plugins new NAME [--dir DIR] [--sdk DIR]
  migrate          apply database migrations and exit
  health           exit 0 when the host answers ready (container health check)
  version          print the version (also --version)

Run payhost <command> --help for a command's flags and environment.
`

// command is one subcommand: its help text and what it runs.
type command struct {
	summary string
	// env names the environment variables it reads beyond PAYHOST_CONFIG.
	env string
	run func(configPath string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	overrides := "these override the configuration key they name:\n    " + strings.Join(config.OverrideVars(), "\n    ") +
		"\n  and the variables named by env: references in it"
	pluginsEnv := "PAYHOST_PLUGINS_DIR, PAYHOST_PLUGINS_VERIFY (only the plugins section is read)"
	return map[string]command{
		"serve": {"run the server; SIGHUP reloads the configuration and the plugins directory, SIGTERM or SIGINT drain and stop",
			overrides, func(c string, _, stderr io.Writer) error { return serve(c, stderr) }},
		"config check": {"validate the configuration: every key, the plugins and their pins, each mode's configuration through its plugin; exits non-zero on any problem",
			overrides, func(c string, stdout, stderr io.Writer) error { return check(c, stdout, stderr) }},
		"migrate": {"apply the database migrations and exit", overrides, func(c string, stdout, _ io.Writer) error { return migrate(c, stdout) }},
		"plugins list": {"list the plugin binaries, their checksums and pin status", pluginsEnv,
			func(c string, stdout, _ io.Writer) error { return plugins("list", c, stdout) }},
		"plugins pin": {"print the pins block to paste under plugins: in the configuration", pluginsEnv,
			func(c string, stdout, _ io.Writer) error { return plugins("pin", c, stdout) }},
		"plugins verify": {"exit non-zero unless every plugin binary matches its pin", pluginsEnv,
			func(c string, stdout, _ io.Writer) error { return plugins("verify", c, stdout) }},
		"health": {"exit 0 when the host at --url answers ready (a container health check; no shell or curl needed)",
			"none", nil},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func versionLine() string {
	return fmt.Sprintf("payhost %s (built %s, %s)", version, built, runtime.Version())
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-version", "-v":
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	name, args := args[0], args[1:]
	if name == "plugins" || name == "config" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, usage)
			return 0
		}
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "payhost %s: missing subcommand\n\n%s", name, usage)
			return 2
		}
		name, args = name+" "+args[0], args[1:]
	}
	if name == "plugins test" { // needs no host configuration: the SDK's runner has its own flags
		return plugincheck.Main(context.Background(), "payhost plugins test", args, stdout, stderr)
	}
	if name == "plugins new" {
		return newPlugin(args, stdout, stderr)
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "payhost: unknown command %q\n\n%s", name, usage)
		return 2
	}
	fs := flag.NewFlagSet("payhost "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	defaultConfig := "payhost.yaml"
	if v, ok := os.LookupEnv("PAYHOST_CONFIG"); ok && v != "" {
		defaultConfig = v
	}
	// health reads no configuration: it has --url instead of --config.
	configPath, synopsis, env := new(string), "[--config PATH]", "PAYHOST_CONFIG: the configuration file\n  "+cmd.env
	if name == "health" {
		healthURL := fs.String("url", "http://127.0.0.1:8080/readyz", "readiness URL to check")
		cmd.run = func(string, io.Writer, io.Writer) error { return health(*healthURL) }
		synopsis, env = "[--url URL]", cmd.env
	} else {
		configPath = fs.String("config", defaultConfig, "configuration `file` ($PAYHOST_CONFIG, else payhost.yaml)")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: payhost %s %s\n\n%s.\n\nflags:\n", name, synopsis, cmd.summary)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nenvironment:\n  %s\n", env)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "payhost %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2
	}
	if err := cmd.run(*configPath, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "payhost:", err)
		return 1
	}
	return 0
}

// serve runs the host until SIGTERM or SIGINT, then drains it; SIGHUP
// reloads the configuration and the plugins directory.
func serve(configPath string, stderr io.Writer) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	m := &app.Main{ConfigPath: configPath, LogOutput: stderr, Version: version, Built: built}
	// A signal during start-up cancels it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opened := make(chan error, 1)
	go func() { opened <- m.Open(ctx) }()
	for waiting := true; waiting; {
		select {
		case err := <-opened:
			if err != nil {
				return err
			}
			waiting = false
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				cancel()
			}
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- m.Serve() }()
	for {
		select {
		case err := <-errc:
			_ = m.Close()
			return err
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				m.Logger.Info("SIGHUP: reloading the configuration and the plugins directory")
				go m.Reload(context.Background()) // logs its outcome
				continue
			}
			m.Logger.Info("shutting down", "signal", sig.String(), "drain_timeout", m.Config.Shutdown.DrainTimeout)
			shutdownCtx, cancel := context.WithTimeout(context.Background(), m.Config.Shutdown.Delay+m.Config.Shutdown.DrainTimeout)
			defer cancel()
			go func() { // a second SIGTERM or SIGINT cuts the drain short
				for {
					select {
					case sig := <-sigs:
						if sig != syscall.SIGHUP {
							cancel()
							return
						}
					case <-shutdownCtx.Done():
						return
					}
				}
			}()
			err := m.Shutdown(shutdownCtx)
			m.Logger.Info("stopped")
			return err
		}
	}
}

// health checks a readiness URL.
func health(u string) error {
	c := &http.Client{Timeout: 4 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("not ready: %s %s", resp.Status, b)
	}
	return nil
}

// check validates the configuration through the plugins, printing every
// problem.
func check(configPath string, stdout, stderr io.Writer) error {
	log := hclog.New(&hclog.LoggerOptions{Name: "payhost", Level: hclog.Warn, Output: stderr})
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	// The variables the configuration looked up (env: references) are
	// known, even when it is invalid.
	var mu sync.Mutex
	read := map[string]bool{}
	getenv := func(k string) (string, bool) {
		mu.Lock()
		read[k] = true
		mu.Unlock()
		return os.LookupEnv(k)
	}
	err := app.Check(ctx, configPath, getenv, log)
	mu.Lock()
	unknown := config.UnknownEnv(os.Environ(), read)
	mu.Unlock()
	for _, k := range unknown {
		fmt.Fprintf(stderr, "warning: unknown environment variable %s ignored (a typo?)\n", k)
	}
	if err != nil {
		return fmt.Errorf("%s has problems:\n%w", configPath, err)
	}
	fmt.Fprintf(stdout, "%s is valid\n", configPath)
	return nil
}

func migrate(configPath string, stdout io.Writer) error {
	cfg, err := config.Load(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	st, err := app.OpenStore(context.Background(), cfg.Database)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s (%s) is up to date\n", redactDSN(cfg.Database.DSN), cfg.Database.Driver)
	return st.Close()
}

func plugins(sub, configPath string, stdout io.Writer) error {
	cfg, err := config.LoadPlugins(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	bins, err := pluginmgr.Discover(cfg.Dir)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		results := pluginmgr.Verify(bins, cfg.Pins)
		fmt.Fprintf(stdout, "%-12s %-10s %-71s %s\n", "PLUGIN", "PIN", "SHA256", "PATH")
		for _, r := range results {
			fmt.Fprintf(stdout, "%-12s %-10s %-71s %s\n", r.Name, r.Status, "sha256:"+r.SHA256, r.Path)
			if r.Problem != "" {
				fmt.Fprintf(stdout, "  ! %s\n", r.Problem)
			}
		}
		return nil
	case "pin":
		fmt.Fprintln(stdout, "# paste under plugins: in the configuration")
		fmt.Fprint(stdout, pluginmgr.PinsYAML(bins))
		return nil
	case "verify":
		bad := 0
		for _, r := range pluginmgr.Verify(bins, cfg.Pins) {
			if !r.OK {
				bad++
				fmt.Fprintf(stdout, "%s: %s\n", r.Name, r.Problem)
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d plugin binaries do not match their pins", bad)
		}
		fmt.Fprintf(stdout, "%d plugin binaries match their pins\n", len(bins))
		return nil
	}
	return errors.New("unknown plugins command " + sub + " (list, pin, verify)")
}

// redactDSN hides a password in a connection URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if strings.Contains(dsn, "password") {
			return "(connection string with a password)"
		}
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// newPlugin generates a plugin module with the SDK's scaffold.
func newPlugin(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("payhost plugins new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory of the new module (default ./payhost-plugin-NAME)")
	module := fs.String("module", "", "Go module path (default example.com/payhost-plugin-NAME)")
	sdk := fs.String("sdk", "", "a local copy of the SDK (e.g. ./sdk in the payhost repository): go.mod replaces the SDK with it; without it, run go mod tidy to fetch a published SDK")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: payhost plugins new NAME [--dir DIR] [--module PATH] [--sdk DIR]\n\nflags:\n")
		fs.PrintDefaults()
	}
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if name == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *dir == "" {
		*dir = "payhost-plugin-" + name
	}
	if *sdk != "" { // relative to the module, so the module and the SDK can move together
		absSDK, err1 := filepath.Abs(*sdk)
		absDir, err2 := filepath.Abs(*dir)
		if err := errors.Join(err1, err2); err != nil {
			fmt.Fprintln(stderr, "payhost:", err)
			return 2
		}
		*sdk = absSDK
		if rel, err := filepath.Rel(absDir, absSDK); err == nil {
			*sdk = rel
		}
	}
	files, err := scaffold.Generate(scaffold.Options{Name: name, Dir: *dir, Module: *module, SDKDir: *sdk})
	if err != nil {
		fmt.Fprintln(stderr, "payhost:", err)
		return 1
	}
	fmt.Fprintf(stdout, "generated %s (%d files)\nnext: cd %s && make test && make check\n", *dir, len(files), *dir)
	if *sdk == "" {
		fmt.Fprintln(stdout, "first: go mod tidy (fetches the SDK)")
	}
	return 0
}
