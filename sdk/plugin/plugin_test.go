package plugin_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

// buildEcho compiles testdata/echoplugin into a temporary directory.
func buildEcho(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "payhost-plugin-echo")
	cmd := exec.Command("go", "build", "-o", bin, "./testdata/echoplugin")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building echo plugin: %v", err)
	}
	return bin
}

func sum(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return h.Sum(nil)
}

func launch(t *testing.T, bin string, checksum []byte) (*goplugin.Client, payment.Provider) {
	t.Helper()
	c := goplugin.NewClient(plugin.ClientConfig(plugin.ClientOptions{
		Path: bin, SHA256: checksum, StartTimeout: 20 * time.Second,
		Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard}),
	}))
	t.Cleanup(c.Kill)
	rpc, err := c.Client()
	if err != nil {
		t.Fatalf("starting plugin: %v", err)
	}
	p, err := plugin.Dispense(rpc)
	if err != nil {
		t.Fatalf("dispensing: %v", err)
	}
	return c, p
}

func TestRealPluginProcess(t *testing.T) {
	bin := buildEcho(t)
	t.Setenv("PAYHOST_TEST_SECRET", "host-secret")
	c, p := launch(t, bin, sum(t, bin))
	ctx := context.Background()

	d, err := p.Describe(ctx, payment.DescribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "echo" || d.ProtocolVersion != payment.ProtocolVersion || len(d.Modes) != 1 {
		t.Fatalf("describe = %+v", d)
	}
	if d.Version != "env=" {
		t.Errorf("the plugin saw the host's environment (%q): SkipHostEnv is not applied", d.Version)
	}
	if c.NegotiatedVersion() != payment.ProtocolVersion {
		t.Errorf("negotiated version %d", c.NegotiatedVersion())
	}

	resp, err := p.HandleNotification(ctx, payment.CallbackRequest{Request: payment.HTTPRequest{Method: "POST", Body: []byte("a=\x00\xff")}})
	if err != nil || string(resp.Response.Body) != "a=\x00\xff" || resp.Response.StatusCode != 200 {
		t.Fatalf("notification = %+v, %v", resp, err)
	}

	// Text that protobuf cannot carry (not UTF-8, echoed from a request)
	// is refused as the request's fault, not failed as a transport error.
	if id, err := p.IdentifyCallback(ctx, payment.IdentifyCallbackRequest{Request: payment.HTTPRequest{Method: "POST", Body: []byte("ps_\xe9")}}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("a non-UTF-8 answer arrived as %+v, %v", id, err)
	}
	if id, err := p.IdentifyCallback(ctx, payment.IdentifyCallbackRequest{Request: payment.HTTPRequest{Method: "POST", Body: []byte("ps_é")}}); err != nil || id.SessionID != "ps_é" {
		t.Errorf("identify = %+v, %v", id, err)
	}

	for _, code := range []payment.Code{payment.CodeInvalidSignature, payment.CodeProviderRejected, payment.CodeInvalidConfig} {
		_, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"fail": string(code)}})
		var pe *payment.Error
		if !errors.As(err, &pe) || pe.Code != code || pe.Message != "asked to fail" {
			t.Errorf("error with code %s arrived as %#v", code, err)
		}
	}
	if _, err := p.Refund(ctx, payment.RefundRequest{}); payment.ErrorCode(err) != payment.CodeUnsupported {
		t.Errorf("unimplemented refund: %v", err)
	}

	// An error that is not a *payment.Error crosses as a generic internal
	// message: its text may hold anything, a secret included.
	_, err = p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"plain": "s3cret-value"}})
	var pe *payment.Error
	if !errors.As(err, &pe) || pe.Code != payment.CodeInternal || strings.Contains(pe.Message, "s3cret") || strings.Contains(pe.Message, "password") {
		t.Errorf("a plain error arrived as %#v: want internal with a generic message", err)
	}

	// A panic is contained to its call; the plugin keeps serving.
	if _, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"panic": "1"}}); payment.ErrorCode(err) != payment.CodeInternal {
		t.Errorf("panic arrived as %v", err)
	}
	if _, err := p.Describe(ctx, payment.DescribeRequest{}); err != nil {
		t.Fatalf("plugin did not survive a panic: %v", err)
	}

	// A plugin that dies mid-call is reported unavailable, not as an internal error.
	_, err = p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"exit": "1"}})
	if payment.ErrorCode(err) != payment.CodePluginUnavailable {
		t.Errorf("crash arrived as %v", err)
	}
	if !c.Exited() {
		deadline := time.Now().Add(5 * time.Second)
		for !c.Exited() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := p.Describe(ctx, payment.DescribeRequest{}); payment.ErrorCode(err) != payment.CodePluginUnavailable {
		t.Errorf("call to a dead plugin: %v", err)
	}
}

func TestChecksumMismatchRefusesLaunch(t *testing.T) {
	bin := buildEcho(t)
	bad := sum(t, bin)
	bad[0] ^= 0xff
	c := goplugin.NewClient(plugin.ClientConfig(plugin.ClientOptions{
		Path: bin, SHA256: bad, StartTimeout: 10 * time.Second,
		Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard}),
	}))
	defer c.Kill()
	if _, err := c.Client(); !errors.Is(err, goplugin.ErrChecksumsDoNotMatch) {
		t.Fatalf("launch with a wrong checksum: %v", err)
	}
}
