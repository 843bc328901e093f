package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestEditorAsksBeforeLeavingWithUnsavedChanges: a manager edits the excerpt of a post and
// clicks away; the browser asks first (beforeunload), and staying keeps the edit. Publish then
// saves the edit with the move, without asking. A page with nothing typed leaves without asking.
func TestEditorAsksBeforeLeavingWithUnsavedChanges(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Locales("en").Create()
	manager := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	post := testkit.Node(t, app.Store, tn).Author(manager.ID).
		TranslationInput(models.TranslationInput{Locale: "en", Title: "Spring sale", Excerpt: "Old excerpt"}).Create()
	baseURL := app.Serve(t)
	nodePath := "/t/" + tn.Slug + "/nodes/" + post.ID.String()

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1280, 900))
	signIn(t, ctx, baseURL, manager.Email, manager.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))

	// Every JavaScript dialog of the tab is reported here; the test answers it.
	dialogs := make(chan page.EventJavascriptDialogOpening, 8)
	if err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case dialogs <- *d:
			default:
			}
		}
	}); err != nil {
		t.Fatalf("listen for dialogs: %v", err)
	}
	// clickAway clicks the back link in the background, since a click that opens a dialog
	// returns only once the dialog is answered; done closes when it has returned.
	clickAway := func() (done chan error) {
		done = make(chan error, 1)
		go func() { done <- chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="back-to-nodes"]`))) }()
		return done
	}
	noDialog := func(when string) {
		t.Helper()
		select {
		case d := <-dialogs:
			t.Errorf("%s: a %s dialog opened: %q", when, d.Type, d.Message)
		default:
		}
	}

	run(t, ctx, "open the post and let its scripts start",
		chromedp.Navigate(baseURL+nodePath),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-form"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	run(t, ctx, "type at the end of the excerpt", chromedp.SendKeys(chromedp.ID("tr-en-excerpt"), kb.End+" and more"))

	done := clickAway()
	select {
	case d := <-dialogs:
		if d.Type != page.DialogTypeBeforeunload {
			t.Fatalf("leaving with an edit opened a %s dialog, want beforeunload", d.Type)
		}
	case err := <-done:
		t.Fatalf("the click went through without asking (err %v); now at %s", err, currentPath(t, ctx))
	case <-time.After(contentWait):
		t.Fatal("leaving with an edit did not ask within " + contentWait.String())
	}
	if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}); err != nil {
		t.Fatalf("answer Stay: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the click: %v", err)
		}
	case <-time.After(contentWait):
		t.Fatal("the click did not return after the dialog was answered")
	}
	if got := currentPath(t, ctx); got != nodePath {
		t.Fatalf("after Stay the tab is at %s, want %s", got, nodePath)
	}
	if got := get(t, ctx, "read the excerpt", chromedp.Value(chromedp.ID("tr-en-excerpt"))); got != "Old excerpt and more" {
		t.Errorf("after Stay the excerpt reads %q", got)
	}

	// Publish submits the form with it: the edit is saved and nothing asks.
	run(t, ctx, "click Publish",
		chromedp.Click(chromedp.CSS(`[data-testid="move-published"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="move-archived"]`)),
	)
	noDialog("Publish")
	if got, want := text(t, ctx, `[data-testid="flash-message"]`), "“Spring sale” saved and published."; got != want {
		t.Errorf("flash %q, want %q", got, want)
	}
	saved, err := app.Store.NodeByID(context.Background(), tn.ID, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != models.NodePublished || saved.Translation("en").Excerpt != "Old excerpt and more" {
		t.Errorf("stored %s with excerpt %q", saved.Status, saved.Translation("en").Excerpt)
	}

	// Nothing typed on the fresh page: leaving does not ask.
	run(t, ctx, "let the page's scripts start",
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)))
	done = clickAway()
	select {
	case d := <-dialogs:
		t.Errorf("leaving an unchanged form opened a %s dialog", d.Type)
		_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
	case err := <-done:
		if err != nil {
			t.Fatalf("the click: %v", err)
		}
	case <-time.After(contentWait):
		t.Fatal("the click did not return")
	}
	run(t, ctx, "wait for the list", chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-table"]`)))
	if got := currentPath(t, ctx); !strings.HasSuffix(got, "/nodes") {
		t.Errorf("path %s, want the list", got)
	}
}
