// Package e2e holds the browser tests: the real application served on a loopback port and driven
// by headless Chromium through chromedp.
package e2e

import (
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// testTimeout bounds everything a browser test does, from the browser start to the last check.
const testTimeout = 60 * time.Second

// findBrowser returns the path of an installed Chromium or Chrome, or "" when there is none.
func findBrowser() string {
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns the context of its first
// tab, bounded by testTimeout. The browser is closed and its profile removed when the test ends.
// Without a browser the test is skipped, or fails under CI=true.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, testTimeout)
}

// newBrowserFor is newBrowser with a longer limit, for the tests that walk every page.
func newBrowserFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		if testkit.InCI() {
			t.Fatal("CI=true and no Chromium found (looked for /usr/bin/chromium, chromium, chromium-browser, google-chrome): install it with apt-get install -y chromium")
		}
		t.Skip("SKIPPED: no chromium installed (apt-get install -y chromium)")
	}

	// A fresh profile in the test's temporary folder. Chromium also keeps its singleton socket in
	// a org.chromium.Chromium.* folder under TMPDIR and leaves it behind; give it a TMPDIR of its
	// own, short because a Unix socket path may not exceed 107 bytes (the test's temporary folder,
	// named after the test, is too long for it).
	profile := filepath.Join(t.TempDir(), "chromium-profile")
	tmp, err := os.MkdirTemp("", "e2e-chromium-")
	if err != nil {
		t.Fatalf("create a TMPDIR for Chromium: %v", err)
	}
	output := &testkit.Buffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		// Exactly the flags of GOTCHAS.md ("Browser tests"); the networking ones stop Chromium
		// from trying to reach the internet.
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.CombinedOutput(output),
	}

	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	started := false
	t.Cleanup(func() {
		cancelTab()   // closes the tab and the browser
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
		if started && t.Failed() && output.Len() > 0 {
			t.Logf("chromium output:\n%s", output.String())
		}
		removeAllRetry(t, profile)
		removeAllRetry(t, tmp)
	})

	// Start the browser now, so a start failure is reported as such and not as a failed step.
	start := time.Now()
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start Chromium (%s): %v\n%s", path, err, output.String())
	}
	started = true
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	return tabCtx
}

// removeAllRetry removes a folder Chromium wrote in. Its helpers (crashpad) can still write there
// for a moment after the browser exits, so it retries for a bounded time; t.TempDir's own
// cleanup, which does not retry, then finds nothing left to trip on.
func removeAllRetry(t *testing.T, dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("could not remove %s: %v", dir, err)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run runs the steps in the tab or fails the test, naming what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v%s", what, err, deadlineHint(ctx))
	}
}

// get runs one action that returns a value, or fails the test.
func get[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v%s", what, err, deadlineHint(ctx))
	}
	return v
}

// text returns the visible text of the element, trimmed.
func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, "read the text of "+string(sel), chromedp.Text(sel)))
}

// currentPath returns the path of the tab's current URL.
func currentPath(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := get(t, ctx, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("parse the location %q: %v", loc, err)
	}
	return u.Path
}

// deadlineHint explains a timeout: the step waited for something that never came.
func deadlineHint(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return " (the test's " + testTimeout.String() + " limit ran out while waiting)"
	}
	return ""
}
