package handlers_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// formOf returns what a browser would submit from the form matched by sel: every named input
// (checked boxes and radios only), textarea and select that is not disabled, submit buttons
// left out. It is "the tab": load a page, take its form, change a field, post it.
func formOf(t *testing.T, res *testkit.Response, sel string) url.Values {
	t.Helper()
	form := res.Find(sel)
	if form.Length() != 1 {
		t.Fatalf("want one form %s on the page, found %d:\n%.3000s", sel, form.Length(), res.Body)
	}
	out := url.Values{}
	form.Find("input[name], textarea[name], select[name]").Each(func(_ int, s *goquery.Selection) {
		if _, off := s.Attr("disabled"); off || s.Closest("fieldset[disabled]").Length() > 0 {
			return
		}
		name := s.AttrOr("name", "")
		switch {
		case goquery.NodeName(s) == "textarea":
			out.Add(name, s.Text())
		case goquery.NodeName(s) == "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option").First()
			}
			out.Add(name, opt.AttrOr("value", opt.Text()))
		default:
			switch s.AttrOr("type", "text") {
			case "submit", "button", "reset":
			case "checkbox", "radio":
				if _, on := s.Attr("checked"); on {
					out.Add(name, s.AttrOr("value", "on"))
				}
			default:
				out.Add(name, s.AttrOr("value", ""))
			}
		}
	})
	return out
}

// versionOf is the stored version of the row of table matching where, as the page of its edit
// form carries it ("" when there is no such row).
func versionOf(app *testkit.TestApp, table, where string, args ...any) string {
	var vs []int
	if err := app.Store.DB().Table(table).Where(where, args...).Pluck("version", &vs).Error; err != nil || len(vs) != 1 {
		return ""
	}
	return strconv.Itoa(vs[0])
}

// with returns a copy of the form with the fields set.
func with(f url.Values, set map[string]string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	for k, v := range set {
		out.Set(k, v)
	}
	return out
}

// editor is one of the four edit forms, set up for two people: Ann Smith in tab A and Bob Jones
// in tab B, both allowed to save it.
type editor struct {
	page     string              // the page with the form
	form     string              // CSS selector of the form
	ann, bob *testkit.HTTPClient // signed in as Ann Smith and as Bob Jones
	annEdit  map[string]string   // what Ann changes: form field → value
	bobEdit  map[string]string   // what Bob changes, another field
	changed  string              // how the 409 names the field Ann changed
	// state reads what the form edits back from the database, keyed by form field name.
	state func(t *testing.T) map[string]string
}

// editors are the four edit forms of the stale-save tests.
var editors = []struct {
	name string
	open func(t *testing.T, app *testkit.TestApp) editor
}{
	{"the node editor", func(t *testing.T, app *testkit.TestApp) editor {
		tn := testkit.Tenant(t, app.Store).Create()
		n := testkit.Node(t, app.Store, tn).TranslationInput(models.TranslationInput{Locale: "en", Title: "Spring sale", Excerpt: "Old excerpt", Body: "Body"}).Create()
		return editor{
			page: nodePath(tn, n.ID), form: "#node-form",
			ann: signedIn(t, app, "Ann Smith", tn, "manager"), bob: signedIn(t, app, "Bob Jones", tn, "manager"),
			annEdit: map[string]string{"t.en.excerpt": "Ann's excerpt"},
			bobEdit: map[string]string{"t.en.title": "Bob's title"},
			changed: "excerpt",
			state: func(t *testing.T) map[string]string {
				got := reloadNode(t, app, tn, n.ID)
				en := got.Translation("en")
				return map[string]string{"t.en.title": en.Title, "t.en.excerpt": en.Excerpt, "t.en.body": en.Body, "status": got.Status}
			},
		}
	}},
	{"the user form", func(t *testing.T, app *testkit.TestApp) editor {
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).Name("Carol Customer").WithRole(tn, "customer").Create()
		return editor{
			page: userURL(tn, u.ID), form: `[data-testid="user-form"]`,
			ann: signedIn(t, app, "Ann Smith", tn, "admin"), bob: signedIn(t, app, "Bob Jones", tn, "admin"),
			annEdit: map[string]string{"name": "Carol C. Customer"},
			bobEdit: map[string]string{"status": models.UserBanned},
			changed: "name",
			state: func(t *testing.T) map[string]string {
				got, err := app.Store.UserByID(context.Background(), u.ID)
				if err != nil {
					t.Fatal(err)
				}
				return map[string]string{"name": got.Name, "status": got.Status}
			},
		}
	}},
	{"the role form", func(t *testing.T, app *testkit.TestApp) editor {
		tn := testkit.Tenant(t, app.Store).Create()
		r, err := app.Store.CreateRole(context.Background(), tn.ID, "editor", "Writes posts.")
		if err != nil {
			t.Fatal(err)
		}
		return editor{
			page: "/t/" + tn.Slug + "/roles/editor", form: `[data-testid="rename-form"]`,
			ann: signedIn(t, app, "Ann Smith", tn, "admin"), bob: signedIn(t, app, "Bob Jones", tn, "admin"),
			annEdit: map[string]string{"description": "Writes and edits posts."},
			bobEdit: map[string]string{"name": "writer"},
			changed: "description",
			state: func(t *testing.T) map[string]string {
				var got models.Role
				if err := app.Store.DB().Where("id = ?", r.ID).Take(&got).Error; err != nil {
					t.Fatal(err)
				}
				return map[string]string{"name": got.Name, "description": got.Description}
			},
		}
	}},
	{"the tenant form", func(t *testing.T, app *testkit.TestApp) editor {
		tn := testkit.Tenant(t, app.Store).Name("Acme").Domain("acme-" + uuid.NewString()[:8] + ".example").Create()
		return editor{
			page: "/tenants/" + tn.ID.String(), form: `[data-testid="tenant-form"]`,
			ann: signedIn(t, app, "Ann Smith", nil, ""), bob: signedIn(t, app, "Bob Jones", nil, ""),
			annEdit: map[string]string{"domain": "shop-" + uuid.NewString()[:8] + ".example"},
			bobEdit: map[string]string{"name": "Acme Ltd"},
			changed: "domain",
			state: func(t *testing.T) map[string]string {
				got := reload(t, app.Store, tn.ID)
				domain := ""
				if got.Domain != nil {
					domain = *got.Domain
				}
				return map[string]string{"name": got.Name, "domain": domain, "locales": strings.Join(got.Locales, ", "), "active": fmt.Sprint(got.IsActive)}
			},
		}
	}},
}

// signedIn signs in a new user with the name holding role in the tenant, or a super admin when
// tn is nil, and returns the client.
func signedIn(t *testing.T, app *testkit.TestApp, name string, tn *models.Tenant, role string) *testkit.HTTPClient {
	t.Helper()
	b := testkit.User(t, app.Store).Name(name)
	if tn == nil {
		b = b.SuperAdmin()
	} else {
		b = b.WithRole(tn, role)
	}
	c := testkit.Client(t, app).LoginAs(b.Create())
	c.Get("/") // a page of the signed-in session, for its CSRF token
	return c
}

// staleNotice matches the sentence a refused stale save shows above the form.
var staleNotice = regexp.MustCompile(`^Changed by Ann Smith at \d\d:\d\d UTC: (.+)\. Your changes are below; review them and save again\.$`)

func TestStaleSaveIsRefused(t *testing.T) {
	t.Parallel()
	for _, ed := range editors {
		t.Run(ed.name+": the second tab's save is refused with 409, names Ann's change and keeps Bob's input; saving again on purpose goes through", func(t *testing.T) {
			t.Parallel()
			app := testkit.NewApp(t)
			e := ed.open(t, app)
			tabA := formOf(t, e.ann.Get(e.page).ExpectStatus(http.StatusOK), e.form)
			tabB := formOf(t, e.bob.Get(e.page).ExpectStatus(http.StatusOK), e.form)
			if tabA.Get("version") == "" || tabA.Get("version") != tabB.Get("version") {
				t.Fatalf("both tabs should carry the same version: %q and %q", tabA.Get("version"), tabB.Get("version"))
			}

			e.ann.PostForm(e.page, with(tabA, e.annEdit)).ExpectStatus(http.StatusSeeOther)
			afterAnn := e.state(t)
			for k, v := range e.annEdit {
				if afterAnn[k] != v {
					t.Fatalf("Ann's save did not store %s = %q: %v", k, v, afterAnn)
				}
			}

			rec := testkit.Events(t, app.Store)
			res := e.bob.PostForm(e.page, with(tabB, e.bobEdit)).ExpectStatus(http.StatusConflict)
			notice := res.Text("flash-message")
			m := staleNotice.FindStringSubmatch(notice)
			if m == nil || m[1] != e.changed {
				t.Errorf("notice %q, want it to name Ann Smith and %q", notice, e.changed)
			}
			again := formOf(t, res, e.form)
			for k, v := range e.bobEdit {
				if again.Get(k) != v {
					t.Errorf("the re-rendered form lost Bob's %s: %q, want %q", k, again.Get(k), v)
				}
			}
			if again.Get("version") == tabB.Get("version") || again.Get("version") == "" {
				t.Errorf("the re-rendered form carries version %q, want the new one (tab B had %q)", again.Get("version"), tabB.Get("version"))
			}
			if got := e.state(t); !maps.Equal(got, afterAnn) {
				t.Errorf("the refused save changed the row: %v, want %v", got, afterAnn)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("the refused save emitted %v", got)
			}
			if res.Find(e.form+"[data-unsaved]").Length() != 1 {
				t.Error("the re-rendered form is not marked as holding unsaved input (the leave-page guard)")
			}

			res = e.bob.PostForm(e.page, again).ExpectStatus(http.StatusSeeOther)
			final := e.state(t)
			for k, v := range e.bobEdit {
				if final[k] != v {
					t.Errorf("the deliberate re-save did not store %s = %q: %v", k, v, final)
				}
			}
			if len(rec.Types(t)) == 0 {
				t.Error("the deliberate re-save emitted nothing")
			}
		})
	}
}

func TestStaleSaveWithoutAVersionIsRefused(t *testing.T) {
	t.Parallel()
	for _, ed := range editors {
		t.Run(ed.name+": a post without the version field is refused, not saved blindly", func(t *testing.T) {
			t.Parallel()
			app := testkit.NewApp(t)
			e := ed.open(t, app)
			tab := formOf(t, e.bob.Get(e.page).ExpectStatus(http.StatusOK), e.form)
			tab.Del("version")
			before := e.state(t)
			rec := testkit.Events(t, app.Store)
			res := e.bob.PostForm(e.page, with(tab, e.bobEdit)).ExpectStatus(http.StatusConflict)
			if !strings.Contains(res.Text("flash-message"), "Your changes are below; review them and save again.") {
				t.Errorf("notice %q", res.Text("flash-message"))
			}
			if got := e.state(t); !maps.Equal(got, before) || len(rec.Types(t)) != 0 {
				t.Errorf("saved without a version: %v (was %v), events %v", got, before, rec.Types(t))
			}
			if formOf(t, res, e.form).Get("version") == "" {
				t.Error("the re-rendered form has no version to save with")
			}
		})
	}
}

func TestConcurrentSavesOfOneVersion(t *testing.T) {
	t.Parallel()
	for _, ed := range editors {
		t.Run(ed.name+": two saves of the same version at once: exactly one wins", func(t *testing.T) {
			t.Parallel()
			app := testkit.NewApp(t)
			e := ed.open(t, app)
			tabA := with(formOf(t, e.ann.Get(e.page).ExpectStatus(http.StatusOK), e.form), e.annEdit)
			tabB := with(formOf(t, e.bob.Get(e.page).ExpectStatus(http.StatusOK), e.form), e.bobEdit)
			before := e.state(t)
			rec := testkit.Events(t, app.Store)

			start := make(chan struct{})
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i, save := range []func() *testkit.Response{
				func() *testkit.Response { return e.ann.PostForm(e.page, tabA) },
				func() *testkit.Response { return e.bob.PostForm(e.page, tabB) },
			} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start // both requests are built and waiting: release them together
					codes[i] = save().StatusCode
				}()
			}
			close(start)
			wg.Wait()

			won, lost := 0, 0
			for _, c := range codes {
				switch c {
				case http.StatusSeeOther:
					won++
				case http.StatusConflict:
					lost++
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("statuses %v, want one 303 and one 409", codes)
			}
			winner := e.annEdit
			if codes[1] == http.StatusSeeOther {
				winner = e.bobEdit
			}
			want := maps.Clone(before)
			maps.Copy(want, winner)
			if got := e.state(t); !maps.Equal(got, want) {
				t.Errorf("stored %v, want exactly the winner's change %v", got, want)
			}
			rows := rec.Rows(t)
			if len(rows) == 0 {
				t.Fatal("the winning save emitted nothing")
			}
			for _, r := range rows {
				if r.CorrelationID != rows[0].CorrelationID {
					t.Errorf("events of two requests were written: %s (%s) and %s (%s)", rows[0].EventType, rows[0].CorrelationID, r.EventType, r.CorrelationID)
				}
			}
		})
	}
}

func TestEditFormsGuardUnsavedChanges(t *testing.T) {
	t.Parallel()
	for _, ed := range editors {
		t.Run(ed.name+" asks before the page is left with unsaved changes (data-guard-unsaved), and a fresh page holds none", func(t *testing.T) {
			t.Parallel()
			app := testkit.NewApp(t)
			e := ed.open(t, app)
			res := e.ann.Get(e.page).ExpectStatus(http.StatusOK)
			if res.Find(e.form+"[data-guard-unsaved]").Length() != 1 {
				t.Errorf("the form %s is not marked data-guard-unsaved", e.form)
			}
			if res.Find(e.form+"[data-unsaved]").Length() != 0 {
				t.Error("a freshly loaded form claims to hold unsaved input")
			}
		})
	}
}

func TestOtherWritesMakeOpenEditorsStale(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	ann := signedIn(t, app, "Ann Smith", tn, "admin")
	bob := signedIn(t, app, "Bob Jones", tn, "admin")
	super := signedIn(t, app, "Ann Smith", nil, "")

	// refused posts Bob's stale tab with one field changed, expects 409 and returns the notice.
	refused := func(t *testing.T, c *testkit.HTTPClient, page, form string, tab url.Values, set map[string]string) string {
		t.Helper()
		rec := testkit.Events(t, app.Store)
		res := c.PostForm(page, with(tab, set)).ExpectStatus(http.StatusConflict)
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("the refused save emitted %v", got)
		}
		if formOf(t, res, form).Get(firstKey(set)) != set[firstKey(set)] {
			t.Error("the re-rendered form lost what was typed")
		}
		return res.Text("flash-message")
	}

	t.Run("publishing makes an editor loaded before it stale", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Launch", "Text").Create()
		tab := formOf(t, bob.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		ann.PostForm(nodePath(tn, n.ID)+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusSeeOther)
		if m := staleNotice.FindStringSubmatch(refused(t, bob, nodePath(tn, n.ID), "#node-form", tab, map[string]string{"t.en.excerpt": "Bob's"})); m == nil || m[1] != "status" {
			t.Errorf("notice does not name the status change: %v", m)
		}
	})

	t.Run("a bulk publish makes an editor loaded before it stale", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Bulk", "Text").Create()
		tab := formOf(t, bob.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		ann.PostForm(nodesBase(tn)+"/bulk/status", url.Values{"ids": {n.ID.String()}, "to": {models.NodePublished}, "confirm": {"yes"}}).ExpectStatus(http.StatusSeeOther)
		if reloadNode(t, app, tn, n.ID).Status != models.NodePublished {
			t.Fatal("the bulk publish did not publish")
		}
		refused(t, bob, nodePath(tn, n.ID), "#node-form", tab, map[string]string{"t.en.excerpt": "Bob's"})
	})

	t.Run("deleting the parent page makes the editor of a subpage stale", func(t *testing.T) {
		parent := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Translation("en", "About", "").Create()
		child := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Parent(parent.ID).Translation("en", "Team", "").Create()
		tab := formOf(t, bob.Get(nodePath(tn, child.ID)).ExpectStatus(http.StatusOK), "#node-form")
		if tab.Get("parent_id") != parent.ID.String() {
			t.Fatalf("the subpage's form has parent %q", tab.Get("parent_id"))
		}
		ann.PostForm(nodePath(tn, parent.ID)+"/delete", url.Values{}).ExpectStatus(http.StatusSeeOther)
		if m := staleNotice.FindStringSubmatch(refused(t, bob, nodePath(tn, child.ID), "#node-form", tab, map[string]string{"t.en.title": "Our team"})); m == nil || m[1] != "parent page" {
			t.Errorf("notice does not name the parent: %v", m)
		}
		if got := reloadNode(t, app, tn, child.ID); got.ParentID != nil || got.Translation("en").Title != "Team" {
			t.Errorf("the stale save wrote: parent %v, title %q", got.ParentID, got.Translation("en").Title)
		}
	})

	t.Run("deactivating a tenant makes its editor loaded before stale", func(t *testing.T) {
		other := testkit.Tenant(t, app.Store).Name("Globex").Create()
		page := "/tenants/" + other.ID.String()
		tab := formOf(t, super.Get(page).ExpectStatus(http.StatusOK), `[data-testid="tenant-form"]`)
		super.PostForm(page+"/deactivate", url.Values{}).ExpectStatus(http.StatusSeeOther)
		if m := staleNotice.FindStringSubmatch(refused(t, super, page, `[data-testid="tenant-form"]`, tab, map[string]string{"name": "Globex Inc"})); m == nil || m[1] != "status" {
			t.Errorf("notice does not name the status change: %v", m)
		}
		if got := reload(t, app.Store, other.ID); got.Name != "Globex" || got.IsActive {
			t.Errorf("tenant %+v", got)
		}
	})

	t.Run("assigning a role or signing in leaves the user's name and status alone, so the user form stays current", func(t *testing.T) {
		u := testkit.User(t, app.Store).Name("Dana").WithRole(tn, "customer").Create()
		tab := formOf(t, bob.Get(userURL(tn, u.ID)).ExpectStatus(http.StatusOK), `[data-testid="user-form"]`)
		ann.PostForm(userURL(tn, u.ID)+"/roles", url.Values{"role": {"manager"}}).ExpectStatus(http.StatusSeeOther)
		testkit.Client(t, app).LoginAs(u)
		bob.PostForm(userURL(tn, u.ID), with(tab, map[string]string{"name": "Dana Doe"})).ExpectStatus(http.StatusSeeOther)
		if got, _ := app.Store.UserByID(context.Background(), u.ID); got.Name != "Dana Doe" {
			t.Errorf("name %q", got.Name)
		}
	})
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestNodeStatusButtonsSaveTheEdits(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	ann := signedIn(t, app, "Ann Smith", tn, "manager")
	bob := signedIn(t, app, "Bob Jones", tn, "manager")

	t.Run("the workflow buttons submit the editor's form to the status route", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Buttons", "").Create()
		res := ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK)
		b := res.TestID("move-published")
		if b.AttrOr("form", "") != "node-form" || b.AttrOr("formaction", "") != nodePath(tn, n.ID)+"/status" ||
			b.AttrOr("name", "") != "to" || b.AttrOr("value", "") != models.NodePublished {
			t.Errorf("Publish button: form=%q formaction=%q name=%q value=%q", b.AttrOr("form", ""), b.AttrOr("formaction", ""), b.AttrOr("name", ""), b.AttrOr("value", ""))
		}
	})

	t.Run("Publish with unsaved edits saves them and publishes in one transaction", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).TranslationInput(models.TranslationInput{Locale: "en", Title: "Sale", Excerpt: "Old"}).Create()
		tab := formOf(t, ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		rec := testkit.Events(t, app.Store)
		res := ann.PostForm(nodePath(tn, n.ID)+"/status", with(tab, map[string]string{"t.en.excerpt": "New excerpt", "to": models.NodePublished})).
			ExpectStatus(http.StatusSeeOther)
		got := reloadNode(t, app, tn, n.ID)
		if got.Status != models.NodePublished || got.Translation("en").Excerpt != "New excerpt" {
			t.Fatalf("status %s, excerpt %q: want published with the new excerpt", got.Status, got.Translation("en").Excerpt)
		}
		rows := rec.Rows(t)
		if types := rec.Types(t); len(types) != 2 || types[0] != "node.translation_updated" || types[1] != "node.published" {
			t.Fatalf("events %v", types)
		}
		if rows[0].CorrelationID != rows[1].CorrelationID {
			t.Error("the save and the publish are not one request")
		}
		if f := nodesFlashAfter(t, ann, res); f != "“Sale” saved and published." {
			t.Errorf("flash %q", f)
		}
	})

	t.Run("Publish without edits only publishes", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Plain", "").Create()
		tab := formOf(t, ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		rec := testkit.Events(t, app.Store)
		res := ann.PostForm(nodePath(tn, n.ID)+"/status", with(tab, map[string]string{"to": models.NodePublished})).ExpectStatus(http.StatusSeeOther)
		if types := rec.Types(t); len(types) != 1 || types[0] != "node.published" {
			t.Fatalf("events %v", types)
		}
		if f := nodesFlashAfter(t, ann, res); f != "“Plain” published." {
			t.Errorf("flash %q", f)
		}
	})

	t.Run("a refused publish keeps the edits in the form and saves nothing", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("de", "Nur Deutsch", "").Create()
		tab := formOf(t, ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		rec := testkit.Events(t, app.Store)
		res := ann.PostForm(nodePath(tn, n.ID)+"/status", with(tab, map[string]string{"t.de.excerpt": "Neu", "to": models.NodePublished})).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "Add a title and slug in en") {
			t.Errorf("status error %q", res.Text("flash"))
		}
		if formOf(t, res, "#node-form").Get("t.de.excerpt") != "Neu" || res.Find("#node-form[data-unsaved]").Length() != 1 {
			t.Error("the form lost the edits or is not marked unsaved")
		}
		if got := reloadNode(t, app, tn, n.ID); got.Status != models.NodeDraft || got.Translation("de").Excerpt != "" || len(rec.Types(t)) != 0 {
			t.Errorf("something was saved: %s %q %v", got.Status, got.Translation("de").Excerpt, rec.Types(t))
		}
	})

	t.Run("Publish from a stale editor is refused with 409 and changes nothing", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).TranslationInput(models.TranslationInput{Locale: "en", Title: "Race", Excerpt: "Old"}).Create()
		tabA := formOf(t, ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		tabB := formOf(t, bob.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		ann.PostForm(nodePath(tn, n.ID), with(tabA, map[string]string{"t.en.excerpt": "Ann's"})).ExpectStatus(http.StatusSeeOther)
		rec := testkit.Events(t, app.Store)
		res := bob.PostForm(nodePath(tn, n.ID)+"/status", with(tabB, map[string]string{"t.en.title": "Bob's race", "to": models.NodePublished})).
			ExpectStatus(http.StatusConflict)
		if m := staleNotice.FindStringSubmatch(res.Text("flash-message")); m == nil || m[1] != "excerpt (en)" {
			t.Errorf("notice %q", res.Text("flash-message"))
		}
		if got := reloadNode(t, app, tn, n.ID); got.Status != models.NodeDraft || got.Translation("en").Title != "Race" || len(rec.Types(t)) != 0 {
			t.Errorf("the stale publish wrote: %s %q %v", got.Status, got.Translation("en").Title, rec.Types(t))
		}
	})

	t.Run("with htmx the refused save answers the #node-form fragment with the notice", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Fragment", "").Create()
		tabA := formOf(t, ann.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		tabB := formOf(t, bob.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK), "#node-form")
		ann.PostForm(nodePath(tn, n.ID), with(tabA, map[string]string{"t.de.title": "Fragment de"})).ExpectStatus(http.StatusSeeOther)
		hx := nodesHX(bob, http.MethodPost, nodePath(tn, n.ID), with(tabB, map[string]string{"t.en.body": "Bob's body"})).ExpectStatus(http.StatusConflict)
		if !nodesIsFragment(hx) || hx.Find("form#node-form[data-unsaved]").Length() != 1 {
			t.Fatalf("want the #node-form fragment:\n%.1000s", hx.Body)
		}
		if m := staleNotice.FindStringSubmatch(hx.Text("flash-message")); m == nil || m[1] != "title (de), slug (de)" {
			t.Errorf("notice %q", hx.Text("flash-message"))
		}
	})

	t.Run("someone who may publish but not edit publishes without edits, and cannot smuggle edits in", func(t *testing.T) {
		nodesCustomRole(t, app, tn, "publisher", models.Permission{Resource: "nodes", Action: "read"}, models.Permission{Resource: "nodes", Action: "publish"})
		pub := signedIn(t, app, "Pat Publisher", tn, "publisher")
		n := testkit.Node(t, app.Store, tn).Translation("en", "Read only", "").Create()
		page := pub.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK)
		tab := formOf(t, page, "#node-form")
		if tab.Has("t.en.title") {
			t.Fatal("a read-only form submits its fields")
		}
		pub.PostForm(nodePath(tn, n.ID)+"/status", with(tab, map[string]string{"t.en.title": "Smuggled", "to": models.NodePublished})).
			ExpectStatus(http.StatusForbidden)
		pub.PostForm(nodePath(tn, n.ID)+"/status", with(tab, map[string]string{"to": models.NodePublished})).ExpectStatus(http.StatusSeeOther)
		if got := reloadNode(t, app, tn, n.ID); got.Status != models.NodePublished || got.Translation("en").Title != "Read only" {
			t.Errorf("status %s, title %q", got.Status, got.Translation("en").Title)
		}
	})
}
