package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// Check validates a configuration as serve would, without serving: the
// file and its environment, the plugins directory and pins, and every
// mode's configuration through its plugin (the plugins are started, asked
// and stopped). The database is not opened. The error lists every problem.
func Check(ctx context.Context, path string, getenv func(string) (string, bool), log hclog.Logger) error {
	cfg, err := loadConfig(ctx, path, getenv, log)
	if err != nil {
		return err
	}
	mgr := pluginmgr.New(pluginOptions(cfg, log))
	defer mgr.Close()
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	var problems []string
	for _, p := range mgr.Plugins() {
		if p.Err != "" {
			problems = append(problems, fmt.Sprintf("plugins: %s: %s", p.Name, p.Err))
		}
	}
	if _, err := buildSites(ctx, cfg, mgr); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
