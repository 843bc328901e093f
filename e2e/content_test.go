package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// contentWait bounds one wait for something htmx fills in (a preview, a table, the history), so
// a failure names the step and leaves time to report what the page showed instead.
const contentWait = 10 * time.Second

// TestContentManagerWritesTranslatesPublishesAndFinds is the content screens' acceptance in a
// real browser: a manager of a tenant in en and de writes a post in both languages with the live
// Markdown preview, publishes it, finds it again in the list by a word of its German title and by
// the status filter (a draft stays out), and reads the post's history.
func TestContentManagerWritesTranslatesPublishesAndFinds(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Locales("en", "de").Create()
	manager := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	draft := testkit.Node(t, app.Store, tn).Author(manager.ID).
		Translation("en", "Unfinished draft", "Not ready.").
		Translation("de", "Unfertiger Entwurf", "Noch nicht fertig.").
		Create()
	baseURL := app.Serve(t)
	slug := tn.Slug
	listPath := "/t/" + slug + "/nodes"

	const (
		enTitle = "Hello from the browser"
		enBody  = "# Hello\n\nSome **bold** text"
		deTitle = "Grüße aus dem Wintergarten"
		deBody  = "## Grüße\n\nEin *kurzer* Text"
	)

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1280, 900))

	// 1. Sign in: with one tenant, / leads to its dashboard.
	signIn(t, ctx, baseURL, manager.Email, manager.Password)
	run(t, ctx, "wait for the dashboard's tenant name", chromedp.WaitVisible(tenantName))

	// 2. Content from the navigation lists the draft made beforehand.
	run(t, ctx, "open Content from the navigation",
		chromedp.Click(chromedp.CSS(`[data-testid="nav-nodes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-table"]`)),
	)
	if got := currentPath(t, ctx); got != listPath {
		t.Errorf("path of Content = %q, want %q", got, listPath)
	}
	waitNodeRows(t, ctx, "the list before writing shows the draft only", nil, draft.ID.String())

	run(t, ctx, "open the create form with New post",
		chromedp.Click(chromedp.CSS(`[data-testid="new-post"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-form"]`)),
		// htmx binds the preview triggers on DOMContentLoaded; typing earlier would send nothing.
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	if got, want := currentPath(t, ctx), listPath+"/new"; got != want {
		t.Errorf("path of the create form = %q, want %q", got, want)
	}
	assertActiveTab(t, ctx, "the new form", "en", "de")

	run(t, ctx, "type the en title and body",
		chromedp.SendKeys(chromedp.ID("tr-en-title"), enTitle),
		chromedp.SendKeys(chromedp.ID("tr-en-body"), enBody),
	)
	waitFor(t, ctx, "the en preview to render the Markdown", `(() => {
		const p = document.getElementById("preview-en");
		const h1 = p && p.querySelector("h1"), strong = p && p.querySelector("p strong");
		return h1 !== null && h1.textContent === "Hello" && strong !== null && strong.textContent === "bold" &&
			strong.parentElement.textContent === "Some bold text";
	})()`, `document.getElementById("preview-en").innerHTML`)

	run(t, ctx, "switch to the de tab",
		chromedp.Click(chromedp.ID("tab-de")),
		chromedp.WaitVisible(chromedp.ID("panel-de")),
		chromedp.WaitNotVisible(chromedp.ID("panel-en")),
	)
	assertActiveTab(t, ctx, "after clicking tab-de", "de", "en")

	run(t, ctx, "type the de title and body",
		chromedp.SendKeys(chromedp.ID("tr-de-title"), deTitle),
		chromedp.SendKeys(chromedp.ID("tr-de-body"), deBody),
	)
	// Wait for the de preview too, so no preview request is still on its way when the form goes.
	waitFor(t, ctx, "the de preview to render the Markdown", `(() => {
		const p = document.getElementById("preview-de");
		const h2 = p && p.querySelector("h2"), em = p && p.querySelector("p em");
		return h2 !== null && h2.textContent === "Grüße" && em !== null && em.textContent === "kurzer" &&
			em.parentElement.textContent === "Ein kurzer Text";
	})()`, `document.getElementById("preview-de").innerHTML`)
	if n := get(t, ctx, "count the en preview's headings", chromedp.Evaluate[int](`document.querySelectorAll("#preview-en h1").length`)); n != 1 {
		t.Errorf("the en preview has %d <h1> after typing in de, want 1 (the de body must not replace it)", n)
	}

	// 3. "Create draft" saves both translations and lands on the node's page with a flash.
	run(t, ctx, "submit Create draft",
		chromedp.Click(chromedp.CSS(`[data-testid="save-node"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#node-edit[data-node-id]`)),
	)
	if n := get(t, ctx, "look for form errors", chromedp.Evaluate[int](`document.querySelectorAll('[data-flash][role="alert"]').length`)); n != 0 {
		t.Fatalf("Create draft was refused: %q", text(t, ctx, `[data-flash][role="alert"]`))
	}
	nodeID := get(t, ctx, "read the node id", chromedp.Evaluate[string](`document.getElementById("node-edit").dataset.nodeId`))
	postID := testkit.MustUUID(t, nodeID)
	nodePath := listPath + "/" + nodeID
	if got := currentPath(t, ctx); got != nodePath {
		t.Errorf("path after Create draft = %q, want %q", got, nodePath)
	}
	if got, want := text(t, ctx, `[data-testid="flash-message"]`), "Post “"+enTitle+"” created as a draft."; got != want {
		t.Errorf("flash after Create draft = %q, want %q", got, want)
	}
	if got, want := text(t, ctx, `[data-testid="workflow"] [data-testid="node-status"]`), "draft"; got != want {
		t.Errorf("status after Create draft = %q, want %q", got, want)
	}
	// What the browser sent is what was stored (a textarea submits its line breaks as CRLF).
	saved, err := app.Store.NodeByID(context.Background(), tn.ID, postID)
	if err != nil {
		t.Fatalf("load the created node: %v", err)
	}
	for _, want := range []struct{ locale, title, body string }{{"en", enTitle, enBody}, {"de", deTitle, deBody}} {
		tr := saved.Translation(want.locale)
		if tr == nil {
			t.Errorf("the created post has no %s translation", want.locale)
			continue
		}
		if tr.Title != want.title {
			t.Errorf("stored %s title = %q, want %q", want.locale, tr.Title, want.title)
		}
		if body := strings.ReplaceAll(tr.Body, "\r\n", "\n"); body != want.body {
			t.Errorf("stored %s body = %q, want %q", want.locale, tr.Body, want.body)
		}
		if strings.Contains(tr.Body, "\r") {
			t.Logf("note: the stored %s body keeps the browser's CRLF line breaks: %q", want.locale, tr.Body)
		}
	}

	run(t, ctx, "click Publish",
		chromedp.Click(chromedp.CSS(`[data-testid="move-published"]`)),
		// Only a published node offers Archive.
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="move-archived"]`)),
	)
	if got, want := text(t, ctx, `[data-testid="workflow"] [data-testid="node-status"]`), "published"; got != want {
		t.Errorf("status after Publish = %q, want %q", got, want)
	}
	if got, want := text(t, ctx, `[data-testid="flash-message"]`), "“"+enTitle+"” published."; got != want {
		t.Errorf("flash after Publish = %q, want %q", got, want)
	}
	if got := text(t, ctx, `[data-testid="published-at"]`); !strings.Contains(got, ":") {
		t.Errorf("published-at after Publish = %q, want a time", got)
	}

	// 4. Back in the list, a word of the German title finds the post, in any case.
	run(t, ctx, "go back to the list",
		chromedp.Click(chromedp.CSS(`[data-testid="back-to-nodes"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-search"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	waitNodeRows(t, ctx, "the list shows the post and the draft", nil, postID.String(), draft.ID.String())

	search := chromedp.CSS(`[data-testid="nodes-search"]`)
	run(t, ctx, "type part of the de title into the search box", chromedp.SendKeys(search, "wintergart"))
	waitNodeRows(t, ctx, "the search to find only the post", map[string]string{"q": "wintergart"}, postID.String())
	postRow := `[data-testid="node-row"][data-node-id="` + nodeID + `"]`
	if got := text(t, ctx, chromedp.CSS(postRow+` [data-testid="node-title"]`)); got != enTitle {
		t.Errorf("title of the found row = %q, want %q (the default locale's)", got, enTitle)
	}
	if got, want := text(t, ctx, chromedp.CSS(postRow+` [data-testid="node-locales"]`)), "de, en"; got != want {
		t.Errorf("languages of the found row = %q, want %q", got, want)
	}
	if got, want := text(t, ctx, chromedp.CSS(postRow+` [data-testid="node-status"]`)), "published"; got != want {
		t.Errorf("status of the found row = %q, want %q", got, want)
	}
	if got, want := text(t, ctx, chromedp.CSS(postRow+` [data-testid="node-author"]`)), "Mia Manager"; got != want {
		t.Errorf("author of the found row = %q, want %q", got, want)
	}

	// Clear the box as a user does, key by key: the list comes back whole.
	backspaces := strings.Repeat(kb.Backspace, len("wintergart"))
	run(t, ctx, "clear the search box", chromedp.SendKeys(search, backspaces))
	if got := get(t, ctx, "read the search box", chromedp.Value(search)); got != "" {
		t.Errorf("search box after clearing = %q, want empty", got)
	}
	waitNodeRows(t, ctx, "the cleared search to list everything again", map[string]string{"q": ""}, postID.String(), draft.ID.String())

	// Choose Published with the keyboard, as on a closed <select>: typing "P" picks the option.
	status := chromedp.CSS(`[data-testid="nodes-status"]`)
	run(t, ctx, "choose Published in the status select", chromedp.SendKeys(status, "P"))
	if got := get(t, ctx, "read the status select", chromedp.Value(status)); got != "published" {
		t.Errorf("status select = %q, want published", got)
	}
	waitNodeRows(t, ctx, "the status filter to list the post but not the draft", map[string]string{"q": "", "status": "published"}, postID.String())

	// 5. The post's page loads its history through htmx: published, then (older) created, both by
	// the manager.
	run(t, ctx, "open the post from the list",
		chromedp.Click(chromedp.CSS(postRow+` [data-testid="node-title"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-history"]`)),
	)
	if got := currentPath(t, ctx); got != nodePath {
		t.Errorf("path of the opened post = %q, want %q", got, nodePath)
	}
	type historyEntry struct {
		Type  string `json:"type"`
		Actor string `json:"actor"`
	}
	raw := get(t, ctx, "read the history", chromedp.Evaluate[string](`JSON.stringify(Array.from(
		document.querySelectorAll('[data-testid="node-history"] [data-testid="history-item"]'),
		it => ({
			type: it.querySelector('[data-testid="history-type"]').textContent.trim(),
			actor: it.querySelector('[data-testid="history-actor"]').textContent.trim(),
		})))`))
	var history []historyEntry
	if err := json.Unmarshal([]byte(raw), &history); err != nil {
		t.Fatalf("decode the history %s: %v", raw, err)
	}
	published := slices.Index(history, historyEntry{"node.published", "Mia Manager"})
	created := slices.Index(history, historyEntry{"node.created", "Mia Manager"})
	if published < 0 || created < 0 || published > created {
		t.Errorf("history = %+v, want node.published by Mia Manager above node.created by Mia Manager", history)
	}

	// Keyboard use of the tabs: ArrowRight from en selects and focuses de, ArrowLeft goes back.
	run(t, ctx, "wait for the post's page to finish loading",
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	assertActiveTab(t, ctx, "the post's page", "en", "de")
	run(t, ctx, "focus tab-en and press ArrowRight",
		chromedp.Focus(chromedp.ID("tab-en")),
		chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(chromedp.ID("panel-de")),
	)
	assertActiveTab(t, ctx, "after ArrowRight", "de", "en")
	if got := get(t, ctx, "read the focused element", chromedp.Evaluate[string](`document.activeElement.id`)); got != "tab-de" {
		t.Errorf("focus after ArrowRight is on %q, want tab-de", got)
	}
	run(t, ctx, "press ArrowLeft",
		chromedp.KeyEvent(kb.ArrowLeft),
		chromedp.WaitVisible(chromedp.ID("panel-en")),
	)
	assertActiveTab(t, ctx, "after ArrowLeft", "en", "de")

	png := get(t, ctx, "take a full-page screenshot of the post", chromedp.FullScreenshot(100))
	saveScreenshot(t, "content-node.png", png)
}

// waitNodeRows waits until the list's rows are exactly the nodes with these ids, in any order,
// the address bar carries the query parameters of params (a missing one counts as "") and no
// htmx request is in flight, and fails with what it saw otherwise. htmx pushes the URL with the
// swap, so params tell the answer to the latest filter from the table as it was before: each
// htmx swap of the table is waited for this way rather than with a sleep.
func waitNodeRows(t *testing.T, ctx context.Context, what string, params map[string]string, ids ...string) {
	t.Helper()
	want, _ := json.Marshal(slices.Sorted(slices.Values(ids)))
	wantParams, _ := json.Marshal(params) // null for nil: no parameters to check
	const rows = `Array.from(document.querySelectorAll('#nodes-table [data-testid="node-row"]'), r => r.dataset.nodeId).sort()`
	_, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](`(want, params) => {
		const q = new URLSearchParams(location.search);
		return JSON.stringify(`+rows+`) === want &&
			Object.entries(JSON.parse(params) ?? {}).every(([k, v]) => (q.get(k) ?? "") === v) &&
			document.querySelector(".htmx-request") === null;
	}`, chromedp.WithPollingArgs(string(want), string(wantParams)), chromedp.WithPollingTimeout(contentWait)))
	if err != nil {
		seen, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(`+rows+`) + " at " + location.href`))
		t.Fatalf("wait for %s: %v%s; rows %s, want %s with %v", what, err, deadlineHint(ctx), seen, want, params)
	}
}

// waitFor polls the JavaScript condition for up to contentWait and, on failure, reports the value
// of the JavaScript expression show.
func waitFor(t *testing.T, ctx context.Context, what, condition, show string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](condition, chromedp.WithPollingTimeout(contentWait)))
	if err != nil {
		seen, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+show+`)`))
		t.Fatalf("wait for %s: %v%s; the page shows %q", what, err, deadlineHint(ctx), seen)
	}
}

// assertActiveTab checks that the tab of locale on is selected and its panel shown, and the tab
// of off is not selected and its panel hidden.
func assertActiveTab(t *testing.T, ctx context.Context, when, on, off string) {
	t.Helper()
	state := func(locale string) (selected string, hidden bool) {
		selected = get(t, ctx, "read aria-selected of tab-"+locale, chromedp.Evaluate[string](`document.getElementById("tab-`+locale+`").getAttribute("aria-selected")`))
		hidden = get(t, ctx, "read hidden of panel-"+locale, chromedp.Evaluate[bool](`document.getElementById("panel-`+locale+`").hidden`))
		return selected, hidden
	}
	if sel, hidden := state(on); sel != "true" || hidden {
		t.Errorf("%s: tab-%s aria-selected=%q, panel-%s hidden=%v; want selected and shown", when, on, sel, on, hidden)
	}
	if sel, hidden := state(off); sel != "false" || !hidden {
		t.Errorf("%s: tab-%s aria-selected=%q, panel-%s hidden=%v; want not selected and hidden", when, off, sel, off, hidden)
	}
}
