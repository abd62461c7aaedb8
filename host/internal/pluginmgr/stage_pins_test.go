package pluginmgr_test

import (
	"context"
	"strings"
	"testing"

	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// TestStageRequirePins: with RequirePins (production) a reload refuses a
// changed binary that matches no pin even where plugins.verify would only
// warn, and the running process stays; with the pin it is staged.
func TestStageRequirePins(t *testing.T) {
	dir, exe := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, Pins: pin(t, dir)})
	before := m.Plugins()[0]

	replaceBinary(t, dir, exe)
	oldPins := map[string]string{"fixture": "sha256:" + before.SHA256}
	_, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn, Pins: oldPins, RequirePins: true})
	if err == nil || !strings.Contains(err.Error(), "production requires a matching pin") || !strings.Contains(err.Error(), "fixture") {
		t.Fatalf("stage of an unpinned binary with RequirePins: %v", err)
	}
	if after := m.Plugins()[0]; after.SHA256 != before.SHA256 || !after.Healthy {
		t.Errorf("running set changed by a refused stage: %+v", after)
	}

	st, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn, Pins: pin(t, dir), RequirePins: true})
	if err != nil {
		t.Fatalf("stage of the pinned binary: %v", err)
	}
	defer st.Abort()
	if got := st.Changes()["fixture"]; got != pluginmgr.Replace {
		t.Errorf("change = %s", got)
	}
}
