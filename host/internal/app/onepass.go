package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// loadConfig is config.Load for Open and Check. When the configuration is
// invalid but its plugins section is not in question, the plugins are
// started to check the modes against their schemas (unknown and missing
// keys, literal secrets in production) on what did decode, and those
// problems join the list: the operator sees them in the same pass instead of
// once the others are fixed. ValidateConfig is not asked: its answer on a
// half-valid configuration would mostly be noise.
func loadConfig(ctx context.Context, path string, getenv func(string) (string, bool), log hclog.Logger) (*config.Config, error) {
	cfg, err := config.LoadPartial(path, getenv)
	if err == nil {
		return cfg, nil
	}
	var ve *config.ValidationError
	if !errors.As(err, &ve) || cfg == nil || slices.ContainsFunc(ve.Problems, func(p string) bool {
		return strings.HasPrefix(p, "plugins") || strings.HasPrefix(p, "environment")
	}) {
		return nil, err
	}
	mgr := pluginmgr.New(pluginOptions(cfg, log))
	defer mgr.Close()
	if mgr.Start(ctx) != nil {
		return nil, err // the plugins' own refusal shows once the rest is fixed
	}
	_, modeProblems := checkSites(ctx, cfg, mgr, false)
	problems := append(slices.Clone(ve.Problems), config.SkipCovered(modeProblems, ve.Problems)...)
	slices.Sort(problems)
	return nil, &config.ValidationError{Problems: slices.Compact(problems)}
}
