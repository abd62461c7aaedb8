// Package browsertest drives a real headless Chromium from tests, through
// chromedp: one browser per test (fresh profile), pages that fail the test
// with a screenshot of what the buyer saw, and small helpers for what
// journey tests do (go to, click, wait for text, read a URL).
//
// The browser is Debian's /usr/bin/chromium (or PAYHOST_CHROMIUM). Without
// one the tests are skipped, unless PAYHOST_REQUIRE_BROWSER=1 (CI), where
// they fail. Screenshots go to PAYHOST_SCREENSHOTS or a temporary
// directory, named in the test log.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Options configure a browser.
type Options struct {
	// Lang is the browser's language and Accept-Language ("fr-FR"); default
	// en-US.
	Lang string
	// Timeout bounds each step (default 20s).
	Timeout time.Duration
}

// Browser is one headless Chromium with its own profile.
type Browser struct {
	t       testing.TB
	alloc   context.Context
	ctx     context.Context
	timeout time.Duration
	shots   string
	n       atomic.Int32
}

// ExecPath finds the Chromium binary, or "".
func ExecPath() string {
	if p := os.Getenv("PAYHOST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a browser for t; it is closed when t ends.
func Start(t testing.TB, o Options) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		if os.Getenv("PAYHOST_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found (install Debian's chromium, or set PAYHOST_CHROMIUM)")
		}
		t.Skip("no Chromium found: browser tests skipped (apt-get install chromium; PAYHOST_REQUIRE_BROWSER=1 makes this fail)")
	}
	if o.Lang == "" {
		o.Lang = "en-US"
	}
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Second
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", o.Lang),
		chromedp.Flag("accept-lang", o.Lang+","+strings.SplitN(o.Lang, "-", 2)[0]),
		chromedp.WindowSize(1024, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	b := &Browser{t: t, alloc: alloc, ctx: ctx, timeout: o.Timeout, shots: screenshotDir(t)}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser now, so that a launch failure is reported as such.
	// (The first Do must get the browser's own context: a context derived
	// with a timeout would end the browser with it.)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return b
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func screenshotDir(t testing.TB) string {
	base := os.Getenv("PAYHOST_SCREENSHOTS")
	if base == "" {
		base = filepath.Join(os.TempDir(), "payhost-screenshots")
	}
	return filepath.Join(base, unsafeName.ReplaceAllString(t.Name(), "_"))
}

// Page is the browser's tab, bound to the test (or subtest) using it.
type Page struct {
	b *Browser
	t testing.TB
}

// Page returns the browser's tab for t; when t fails, a screenshot of the
// tab is saved and its path logged.
func (b *Browser) Page(t testing.TB) *Page {
	p := &Page{b: b, t: t}
	t.Cleanup(func() {
		if t.Failed() {
			p.Screenshot("failure")
		}
	})
	return p
}

func (p *Page) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.ctx, p.b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		url, _ := p.location()
		p.t.Fatalf("%s (page %s): %v", what, url, err)
	}
}

func (p *Page) location() (string, error) {
	ctx, cancel := context.WithTimeout(p.b.ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Location())
}

// Go opens url and waits for it to load.
func (p *Page) Go(url string) {
	p.t.Helper()
	p.run("opening "+url, chromedp.Navigate(url))
}

// Back presses the browser's Back button. It does not wait: a page
// restored from the back/forward cache fires no load event (which
// chromedp.NavigateBack waits for); follow it with WaitURL.
func (p *Page) Back() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.ctx, p.b.timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("history.back(), true")); err != nil {
		p.t.Fatalf("going back: %v", err)
	}
}

// Click waits for the element and clicks it.
func (p *Page) Click(css string) {
	p.t.Helper()
	p.run("clicking "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)))
}

// WaitVisible waits for the element.
func (p *Page) WaitVisible(css string) {
	p.t.Helper()
	p.run("waiting for "+css, chromedp.WaitVisible(chromedp.CSS(css)))
}

// Text returns the element's text once it is visible.
func (p *Page) Text(css string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.ctx, p.b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(css))); err != nil {
		url, _ := p.location()
		p.t.Fatalf("waiting for %s (page %s): %v", css, url, err)
	}
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		p.t.Fatalf("reading %s: %v", css, err)
	}
	return s
}

// WaitText waits until the element's text contains want (the page may
// reload meanwhile, as the demo shop's webhook list does).
func (p *Page) WaitText(css, want string) {
	p.t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.innerText.includes(%q); })()`, css, want)
	p.Poll(expr, fmt.Sprintf("%s to contain %q", css, want))
}

// Poll waits until the JavaScript expression is true. It evaluates the
// expression again and again rather than with chromedp.Poll, which a
// navigation (the journeys' redirects) interrupts.
func (p *Page) Poll(expr, what string) {
	p.t.Helper()
	deadline := time.Now().Add(p.b.timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	url, _ := p.location()
	p.t.Fatalf("waiting for %s (page %s): not within %s (last error: %v)", what, url, p.b.timeout, last)
}

// WaitURL waits until the tab's URL starts with prefix and returns it.
func (p *Page) WaitURL(prefix string) string {
	p.t.Helper()
	p.Poll(fmt.Sprintf(`window.location.href.startsWith(%q) && document.readyState === "complete"`, prefix), "the URL "+prefix+"…")
	url, err := p.location()
	if err != nil {
		p.t.Fatal(err)
	}
	return url
}

// URL is the tab's current URL.
func (p *Page) URL() string {
	p.t.Helper()
	url, err := p.location()
	if err != nil {
		p.t.Fatal(err)
	}
	return url
}

// Screenshot saves the whole page as name.png (numbered, in the test's
// screenshot directory) and returns the file's path; "" when it fails.
func (p *Page) Screenshot(name string) string {
	ctx, cancel := context.WithTimeout(p.b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		p.t.Logf("screenshot %s failed: %v", name, err)
		return ""
	}
	if err := os.MkdirAll(p.b.shots, 0o755); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(p.b.shots, fmt.Sprintf("%02d-%s.png", p.b.n.Add(1), unsafeName.ReplaceAllString(name, "_")))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p.t.Logf("screenshot: %s", path)
	return path
}
