package plugincheck

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Main is the command line of payhost-plugin-check and of
// payhost plugins test: args are the arguments after the command name. It
// returns the exit status: 0 when every check passed or was skipped, 1 on
// any failure, 2 on a usage error.
func Main(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	configPath := fs.String("config", "", `JSON file of configuration values per mode laid over the generated fixtures: {"mode": {"key": "value"}}`)
	timeout := fs.Duration("timeout", 10*time.Second, "deadline of each call")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [--json] [--config FILE] PLUGIN_BINARY\n\n"+
			"Launches the plugin as the payhost host does (go-plugin, AutoMTLS, empty environment)\n"+
			"and runs the conformance checks over the wire. Exits 1 when a check fails.\n\nflags:\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	opts := Options{CallTimeout: *timeout}
	if *configPath != "" {
		b, err := os.ReadFile(*configPath)
		if err == nil {
			err = json.Unmarshal(b, &opts.Configs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: --config: %v\n", name, err)
			return 2
		}
	}
	rep := Run(ctx, fs.Arg(0), opts)
	var err error
	if *asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}
