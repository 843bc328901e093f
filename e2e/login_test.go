package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// The selectors the tests rely on; the views keep them stable for tests.
const (
	emailInput    = chromedp.ID("email")
	passwordInput = chromedp.ID("password")
	signInButton  = chromedp.CSS(`[data-testid="sign-in"]`)
	tenantName    = chromedp.CSS(`[data-testid="tenant-name"]`)
	loginError    = chromedp.CSS(`[data-testid="flash-message"]`)
)

// signIn opens the sign-in page, types the credentials and clicks "Sign in". It does not wait
// for what comes next: the caller waits for the element it expects.
func signIn(t *testing.T, ctx context.Context, baseURL, email, password string) {
	t.Helper()
	run(t, ctx, "fill in and submit the sign-in form",
		chromedp.Navigate(baseURL+"/login"),
		chromedp.SendKeys(emailInput, email),
		chromedp.SendKeys(passwordInput, password),
		chromedp.Click(signInButton),
	)
}

// TestLoginShowsTenantDashboard signs a super admin in through the real form. With one tenant,
// / sends them straight to that tenant's dashboard, which names the tenant.
func TestLoginShowsTenantDashboard(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Create()
	u := testkit.User(t, app.Store).SuperAdmin().Create()
	baseURL := app.Serve(t)
	ctx := newBrowser(t)

	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1280, 800))
	signIn(t, ctx, baseURL, u.Email, u.Password)
	run(t, ctx, "wait for the dashboard's tenant name", chromedp.WaitVisible(tenantName))

	if got, want := text(t, ctx, tenantName), "Acme Corporation"; got != want {
		t.Errorf("tenant name = %q, want %q", got, want)
	}
	if got, want := currentPath(t, ctx), "/t/acme/"; got != want {
		t.Errorf("path after sign-in = %q, want %q", got, want)
	}

	png := get(t, ctx, "take a full-page screenshot", chromedp.FullScreenshot(100))
	saveScreenshot(t, "dashboard.png", png)
}

// TestLoginWrongPasswordShowsError submits a wrong password: the form comes back on /login with
// the one generic message and the email kept.
func TestLoginWrongPasswordShowsError(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Create()
	u := testkit.User(t, app.Store).SuperAdmin().Create()
	baseURL := app.Serve(t)
	ctx := newBrowser(t)

	signIn(t, ctx, baseURL, u.Email, u.Password+"-wrong")
	run(t, ctx, "wait for the sign-in error", chromedp.WaitVisible(loginError))

	if got, want := text(t, ctx, loginError), "Incorrect email or password."; got != want {
		t.Errorf("error message = %q, want %q", got, want)
	}
	if got, want := currentPath(t, ctx), "/login"; got != want {
		t.Errorf("path after a failed sign-in = %q, want %q", got, want)
	}
	if got := get(t, ctx, "read the email field", chromedp.Value(emailInput)); got != u.Email {
		t.Errorf("email field after a failed sign-in = %q, want it kept as %q", got, u.Email)
	}
	if got := get(t, ctx, "read the password field", chromedp.Value(passwordInput)); got != "" {
		t.Errorf("password field after a failed sign-in is not empty")
	}
	if n := get(t, ctx, "look for the dashboard", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="tenant-name"]').length`)); n != 0 {
		t.Errorf("a failed sign-in shows the dashboard's tenant name")
	}
}

// saveScreenshot writes the PNG under e2e/screenshots (git-ignored) and logs where it went.
func saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir, err := filepath.Abs("screenshots")
	if err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create %s: %v", dir, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("write the screenshot: %v", err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}
