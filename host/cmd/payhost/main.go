// Command payhost is the payment plugin host.
//
//	payhost serve   [--config payhost.yaml]   run the server
//	payhost plugins list|pin|verify [--config payhost.yaml]
//	payhost migrate [--config payhost.yaml]   apply database migrations and exit
//	payhost version
//
// The configuration path defaults to $PAYHOST_CONFIG, then payhost.yaml.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// version and built are set at build time by the Makefile:
// -ldflags "-X main.version=$(git describe) -X main.built=<date>".
var (
	version = "dev"
	built   = "unknown"
)

const usage = `usage: payhost <command> [flags]

commands:
  serve            run the server
  plugins list     list the plugin binaries, their checksums and pin status
  plugins pin      print the pins block for the configuration
  plugins verify   exit non-zero unless every plugin binary matches its pin
  migrate          apply database migrations and exit
  version          print the version

flags:
  --config PATH    configuration file (default $PAYHOST_CONFIG or payhost.yaml)
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	sub := ""
	if cmd == "plugins" {
		if len(args) == 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("payhost "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaultConfig := "payhost.yaml"
	if v, ok := os.LookupEnv("PAYHOST_CONFIG"); ok && v != "" {
		defaultConfig = v
	}
	configPath := fs.String("config", defaultConfig, "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(*configPath, stderr)
	case "migrate":
		err = migrate(*configPath, stdout)
	case "plugins":
		err = plugins(sub, *configPath, stdout)
	case "version":
		fmt.Fprintln(stdout, "payhost", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "payhost: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
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
	cfg, err := config.Load(configPath, os.LookupEnv)
	if err != nil {
		return err
	}
	bins, err := pluginmgr.Discover(cfg.Plugins.Dir)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		results := pluginmgr.Verify(bins, cfg.Plugins.Pins)
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
		for _, r := range pluginmgr.Verify(bins, cfg.Plugins.Pins) {
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
