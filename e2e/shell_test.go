package e2e

import (
	"context"
	_ "embed"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// axeSource is axe-core, vendored from npm by `make css` (npm run axe).
//
//go:embed testdata/axe.min.js
var axeSource string

// shellTimeout bounds the tests that walk every page of the shell at two widths and two themes.
const shellTimeout = 4 * time.Minute

// shellFixture is a tenant with content, a manager, and a super admin, served on a loopback port.
type shellFixture struct {
	baseURL, slug     string
	super, admin      testkit.FixtureUser
	nodeID, managerID string
	productID         string
	variantID         string
}

func newShellFixture(t *testing.T) shellFixture {
	t.Helper()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Locales("en", "de").Create()
	super := testkit.User(t, app.Store).Name("Sam Super").SuperAdmin().Create()
	admin := testkit.User(t, app.Store).Name("Ada Admin").WithRole(tn, "admin").Create()
	manager := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	node := testkit.Node(t, app.Store, tn).Author(manager.ID).
		Translation("en", "Spring catalogue", "The **new** season.").Published().Create()
	testkit.Node(t, app.Store, tn).Author(manager.ID).Translation("en", "Draft notes", "Not yet.").Create()
	shirt := testkit.Product(t, app.Store, tn).Title("en", "Classic T-shirt").Vendor("Acme Apparel").
		Option("Size", "S", "M", "L").Option("Colour", "Red", "Blue").Price("USD", 2490).Stock(4).Active().Create()
	testkit.Product(t, app.Store, tn).Title("en", "Enamel mug").Price("USD", 1250).Stock(40).Create()
	// A finished export for the jobs page.
	app.StartJobs(t)
	run, err := app.Deps.Jobs.StartExport(context.Background(), tn, &admin.ID, jobs.ExportFilter{}, "All products")
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the fixture's export", func() bool {
		v, err := app.Store.JobRunByID(context.Background(), tn.ID, run.ID)
		return err == nil && v.State == models.JobCompleted
	})
	return shellFixture{baseURL: app.Serve(t), slug: tn.Slug, super: super, admin: admin,
		nodeID: node.ID.String(), managerID: manager.ID.String(), productID: shirt.ID.String(), variantID: shirt.Variants[0].ID.String()}
}

// shellPage is one page of the shell the accessibility walk opens.
type shellPage struct{ name, path, ready string }

func (f shellFixture) pages(eventPath string) []shellPage {
	tp := "/t/" + f.slug
	return []shellPage{
		{"dashboard", tp + "/", `[data-testid="dashboard"]`},
		{"content", tp + "/nodes", `[data-testid="nodes-table"]`},
		{"node-editor", tp + "/nodes/" + f.nodeID, `[data-testid="node-form"]`},
		{"products", tp + "/products", `[data-testid="product-row"]`},
		{"product-editor", tp + "/products/" + f.productID, `[data-testid="variant-grid"]`},
		{"product-new", tp + "/products/new", `[data-testid="product-form"]`},
		{"product-import", tp + "/products/import", `[data-testid="import-form"]`},
		{"inventory", tp + "/inventory", `[data-testid="inventory-row"]`},
		{"ledger", tp + "/inventory/" + f.variantID, `[data-testid="ledger"]`},
		{"users", tp + "/users", `main`},
		{"user", tp + "/users/" + f.managerID, `[data-testid="user-email"]`},
		{"roles", tp + "/roles", `[data-testid="roles-table"]`},
		{"role", tp + "/roles/manager", `[data-testid="role-page"]`},
		{"events", tp + "/events", `[data-testid="event-row"]`},
		{"jobs", tp + "/jobs", `[data-testid="job-download"]`},
		{"settings", tp + "/settings", `[data-testid="tenant-form"]`},
		{"account", "/account", `[data-testid="password-form"]`},
		{"two-factor", "/account/two-factor", `[data-testid="totp-qr"]`},
		{"event", eventPath, `[data-testid="event-occurred-at"]`},
		{"tenants", "/tenants", `main`},
		{"system", "/system", `main`},
		{"platform-events", "/events", `main`},
		{"platform-jobs", "/jobs", `[data-testid="job-tenant"]`},
		{"not-found", tp + "/nodes/00000000-0000-0000-0000-000000000000", `[data-testid="error-page"]`},
	}
}

// axeViolations runs axe-core on the page and returns its serious and critical violations, one
// line each ("rule: help (n nodes: first target)"), or nil.
func axeViolations(t *testing.T, ctx context.Context, what string) []string {
	t.Helper()
	if get(t, ctx, "look for axe", chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`)) == false {
		_ = get(t, ctx, "inject axe-core", chromedp.Evaluate[bool](axeSource+";true"))
	}
	out := get(t, ctx, "run axe on "+what, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.id + ": " + v.help + " (" + v.nodes.length + " nodes: " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ") + ")"))`, chromedp.EvalAwaitPromise))
	return out
}

// setTheme makes the page light or dark the way the toggle does: the remembered choice and the class.
func setTheme(t *testing.T, ctx context.Context, dark bool) {
	t.Helper()
	js := `localStorage.setItem("theme", "light"); document.documentElement.classList.remove("dark"); true`
	if dark {
		js = `localStorage.setItem("theme", "dark"); document.documentElement.classList.add("dark"); true`
	}
	_ = get(t, ctx, "set the theme", chromedp.Evaluate[bool](js))
}

// checkPage runs the checks every page must pass at the current width and theme.
func checkPage(t *testing.T, ctx context.Context, what string, narrow bool) {
	t.Helper()
	for _, v := range axeViolations(t, ctx, what) {
		t.Errorf("%s: axe: %s", what, v)
	}
	if narrow {
		sw := get(t, ctx, "measure the page width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
		if sw[0] > sw[1] {
			wide := get(t, ctx, "find what sticks out", chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
				.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.children.length === 0)
				.slice(0, 4).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join(".") + " «" + e.textContent.trim().slice(0, 30) + "»")`))
			t.Errorf("%s: scrolls sideways: scrollWidth %d > innerWidth %d; sticking out: %q", what, sw[0], sw[1], wide)
		}
	} else {
		tall := get(t, ctx, "measure the nav entries", chromedp.Evaluate[[]string](`[...document.querySelectorAll("nav .nav-link")].filter(a => a.getBoundingClientRect().height > 44).map(a => a.textContent.trim())`))
		if len(tall) > 0 {
			t.Errorf("%s: nav entries wrap: %q", what, tall)
		}
	}
}

// TestShellIsAccessibleAndFitsEveryWidth signs in and opens every page of the shell at 1440 and
// 390 px, light and dark: axe-core finds no serious or critical violation, a phone never scrolls
// sideways and the desktop navigation never wraps. The 403 page is checked as a tenant admin.
// With SCREENSHOTS=1 it also writes docs/screenshots/*.png.
func TestShellIsAccessibleAndFitsEveryWidth(t *testing.T) {
	t.Parallel()
	f := newShellFixture(t)
	ctx := newBrowserFor(t, shellTimeout)
	shots := os.Getenv("SCREENSHOTS") != ""

	widths := []struct {
		name          string
		width, height int64
	}{{"1440", 1440, 900}, {"390", 390, 844}}

	// The 403 page, as a tenant admin (who may not open the platform's tenant list).
	signIn(t, ctx, f.baseURL, f.admin.Email, f.admin.Password)
	run(t, ctx, "wait for the admin's dashboard", chromedp.WaitVisible(tenantName))
	for _, w := range widths {
		run(t, ctx, "set the viewport", chromedp.EmulateViewport(w.width, w.height))
		run(t, ctx, "open /tenants as a tenant admin", chromedp.Navigate(f.baseURL+"/tenants"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-page"]`)))
		if got := text(t, ctx, `[data-testid="error-status"]`); got != "403" {
			t.Fatalf("/tenants as a tenant admin: status %q, want 403", got)
		}
		if n := get(t, ctx, "look for the shell", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="sidebar"] [data-testid="switcher-tenant"], [data-testid="user-menu"] [data-testid="sign-out"]').length`)); n != 2 {
			t.Errorf("the 403 page at %s lacks the shell (tenant switcher and user menu): %d of 2", w.name, n)
		}
		for _, dark := range []bool{false, true} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "forbidden "+w.name+theme(dark), w.width < 500)
		}
	}
	run(t, ctx, "sign out", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="sign-out"]').closest("form").submit()`),
		chromedp.WaitVisible(chromedp.CSS(`#email`)))

	signIn(t, ctx, f.baseURL, f.super.Email, f.super.Password)
	run(t, ctx, "wait for the dashboard (one tenant)", chromedp.WaitVisible(tenantName))
	run(t, ctx, "open the event log", chromedp.Navigate(f.baseURL+"/t/"+f.slug+"/events"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-type"]`)))
	eventPath := get(t, ctx, "read an event's link", chromedp.Evaluate[string](`new URL(document.querySelector('[data-testid="event-type"]').href).pathname`))

	for _, w := range widths {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		narrow := w.width < 500
		for _, pg := range f.pages(eventPath) {
			run(t, ctx, "open "+pg.name, chromedp.Navigate(f.baseURL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.ready)))
			if narrow && strings.HasPrefix(pg.path, "/t/") {
				if get(t, ctx, "look for the current tenant", chromedp.Evaluate[bool](`(() => { const e = document.querySelector('[data-testid="current-tenant"]'); return !!e && e.getBoundingClientRect().width > 0 })()`)) == false {
					t.Errorf("%s at 390: the current tenant is not visible", pg.name)
				}
			}
			for _, dark := range []bool{false, true} {
				setTheme(t, ctx, dark)
				checkPage(t, ctx, pg.name+" "+w.name+theme(dark), narrow)
				if shots {
					png := get(t, ctx, "screenshot "+pg.name, chromedp.FullScreenshot(100))
					writeDocScreenshot(t, pg.name+"-"+w.name+theme(dark)+".png", png)
				}
			}
		}
	}
	if shots {
		// The phone menu, open.
		run(t, ctx, "set the viewport to 390", chromedp.EmulateViewport(390, 844))
		run(t, ctx, "open the dashboard", chromedp.Navigate(f.baseURL+"/t/"+f.slug+"/"), chromedp.WaitVisible(tenantName))
		for _, dark := range []bool{false, true} {
			setTheme(t, ctx, dark)
			run(t, ctx, "open the menu", chromedp.Click(chromedp.CSS(`[data-testid="menu-button"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="nav-nodes"]`)))
			writeDocScreenshot(t, "menu-390"+theme(dark)+".png", get(t, ctx, "screenshot the menu", chromedp.FullScreenshot(100)))
			run(t, ctx, "close the menu", chromedp.Click(chromedp.CSS(`[data-testid="menu-button"]`)))
		}
	}
}

func theme(dark bool) string {
	if dark {
		return "-dark"
	}
	return "-light"
}

// writeDocScreenshot writes a PNG under docs/screenshots, which the README links to.
func writeDocScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create %s: %v", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
}

// TestShellMenuThemeTimesToastAndConfirm checks the shell's behaviour in a real browser: the
// phone menu opens and closes, the dark-mode choice survives a reload, times are shown in the
// viewer's zone, and deleting a post asks through the <dialog> — Cancel does nothing, Confirm
// deletes — after which the success toast appears and fades.
func TestShellMenuThemeTimesToastAndConfirm(t *testing.T) {
	t.Parallel()
	f := newShellFixture(t)
	ctx := newBrowserFor(t, 2*time.Minute)
	editor := f.baseURL + "/t/" + f.slug + "/nodes/" + f.nodeID

	run(t, ctx, "set a phone viewport and the Tokyo time zone", chromedp.EmulateViewport(390, 844),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
			return err
		}))
	signIn(t, ctx, f.baseURL, f.super.Email, f.super.Password)
	run(t, ctx, "wait for the dashboard (one tenant)", chromedp.WaitVisible(tenantName))

	// The phone menu: folded, then open with aria-expanded, then folded again.
	visible := `(() => { const e = document.querySelector('[data-testid="nav-nodes"]'); return !!e && e.getBoundingClientRect().height > 0 })()`
	if get(t, ctx, "look at the folded menu", chromedp.Evaluate[bool](visible)) {
		t.Errorf("at 390 px the navigation shows before the menu button is pressed")
	}
	run(t, ctx, "press the menu button", chromedp.Click(chromedp.CSS(`[data-testid="menu-button"]`)))
	if !get(t, ctx, "look at the open menu", chromedp.Evaluate[bool](visible)) ||
		get(t, ctx, "read aria-expanded", chromedp.Evaluate[string](`document.querySelector('[data-testid="menu-button"]').getAttribute("aria-expanded")`)) != "true" {
		t.Errorf("the menu button does not open the navigation")
	}
	run(t, ctx, "press the menu button again", chromedp.Click(chromedp.CSS(`[data-testid="menu-button"]`)))
	if get(t, ctx, "look at the folded menu", chromedp.Evaluate[bool](visible)) {
		t.Errorf("the menu button does not fold the navigation again")
	}

	// Dark mode: the toggle flips it, and the choice is remembered across a reload.
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1440, 900))
	isDark := chromedp.Evaluate[bool](`document.documentElement.classList.contains("dark")`)
	before := get(t, ctx, "read the theme", isDark)
	run(t, ctx, "press the theme toggle", chromedp.Click(chromedp.CSS(`[data-testid="theme-toggle"]`)))
	if get(t, ctx, "read the theme", isDark) == before {
		t.Fatalf("the theme toggle did not change the theme")
	}
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(tenantName))
	if get(t, ctx, "read the theme after the reload", isDark) == before {
		t.Errorf("the theme chosen with the toggle was forgotten on reload")
	}
	if got := get(t, ctx, "read aria-pressed", chromedp.Evaluate[string](`document.querySelector('[data-testid="theme-toggle"]').getAttribute("aria-pressed")`)); got != map[bool]string{true: "false", false: "true"}[before] {
		t.Errorf("aria-pressed of the theme toggle = %q after the reload", got)
	}

	// Times: the editor's published time is shown in Tokyo time, the UTC text kept as the title.
	run(t, ctx, "open the editor", chromedp.Navigate(editor), chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-form"]`)))
	tm := get(t, ctx, "read the published time", chromedp.Evaluate[[]string](`(() => { const e = document.querySelector('[data-testid="published-at"] time'); return [e.textContent.trim(), e.title, e.getAttribute("datetime")] })()`))
	if strings.Contains(tm[0], "UTC") || !strings.HasSuffix(tm[1], "UTC") || !strings.HasSuffix(tm[2], "Z") {
		t.Errorf("published time: text %q, title %q, datetime %q; want local text, UTC title and datetime", tm[0], tm[1], tm[2])
	}
	utc, err := time.Parse(time.RFC3339, tm[2])
	if err != nil {
		t.Fatalf("datetime %q: %v", tm[2], err)
	}
	if want := utc.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04"); tm[0] != want {
		t.Errorf("published time %q, want the Tokyo time %s", tm[0], want)
	}

	// Delete asks through the dialog: Cancel keeps the post.
	deleteBtn := chromedp.CSS(`form[data-confirm] button[type="submit"]`)
	dialogOpen := chromedp.Evaluate[bool](`document.getElementById("confirm-dialog").open`)
	run(t, ctx, "press Delete", chromedp.Click(deleteBtn), chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirm-dialog"]`)))
	if msg := text(t, ctx, `[data-testid="confirm-message"]`); !strings.Contains(msg, "Spring catalogue") {
		t.Errorf("the dialog asks %q, want the post's title", msg)
	}
	run(t, ctx, "press Cancel", chromedp.Click(chromedp.CSS(`[data-testid="confirm-cancel"]`)))
	time.Sleep(300 * time.Millisecond)
	if get(t, ctx, "look at the dialog", dialogOpen) {
		t.Errorf("the dialog stays open after Cancel")
	}
	if got := currentPath(t, ctx); got != "/t/"+f.slug+"/nodes/"+f.nodeID {
		t.Fatalf("Cancel went to %s", got)
	}
	// Confirm deletes it, and the success toast appears, then fades away.
	run(t, ctx, "press Delete again and Confirm", chromedp.Click(deleteBtn), chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirm-dialog"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-toast]`)))
	if got := currentPath(t, ctx); got != "/t/"+f.slug+"/nodes" {
		t.Errorf("Confirm went to %s, want the content list", got)
	}
	waitFor(t, ctx, "the toast to fade", `document.querySelector("[data-toast]") === null`, `document.body.innerText.slice(0, 300)`)
}
