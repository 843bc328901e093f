package testkit_test

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestNewDBIsolatesTests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testkit.NewDB(t), testkit.NewDB(t)
	if a.Dialect() != testkit.Dialect() {
		t.Fatalf("NewDB gave %s, TEST_DB asks for %s", a.Dialect(), testkit.Dialect())
	}
	testkit.Tenant(t, a).Slug("only-in-a").Create()
	if _, err := b.TenantBySlug(ctx, "only-in-a"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("a row written in one test database is visible in another: %v", err)
	}
	// The same slug can exist in both: nothing is shared.
	testkit.Tenant(t, b).Slug("only-in-a").Create()
}

func TestFixturesAndSignedInClient(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("Kit Test").Locales("fr", "en").Create()
	if tn.DefaultLocale != "fr" || len(tn.Locales) != 2 {
		t.Fatalf("locales: %s %v", tn.DefaultLocale, tn.Locales)
	}
	u := testkit.User(t, app.Store).Name("Kit User").WithRole(tn, "admin").Create()
	c := testkit.Client(t, app).LoginAs(u)
	res := c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	if res.Text("tenant-name") != "Kit Test" || res.Text("current-user") != "Kit User" {
		t.Fatalf("dashboard: %q / %q", res.Text("tenant-name"), res.Text("current-user"))
	}
	if c.CSRFToken() == "" {
		t.Fatal("client did not pick up the CSRF token")
	}
}

func TestEventRecorder(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	u := testkit.User(t, app.Store).Create() // before recording: not seen
	rec := testkit.Events(t, app.Store)
	c := testkit.Client(t, app)
	c.Header.Set("User-Agent", "recorder-test")
	c.LoginAs(u)

	ev := rec.Emitted(t, "user.logged_in")[0].(*events.UserLoggedIn)
	if ev.UserID != u.ID || ev.UserAgent != "recorder-test" {
		t.Fatalf("payload %+v", ev)
	}
	rec.NotEmitted(t, "user.registered")
	rows := rec.Rows(t)
	if len(rows) != 1 || rows[0].SchemaVersion != 3 || rows[0].ActorID == nil || *rows[0].ActorID != u.ID || rows[0].CorrelationID == "" {
		t.Fatalf("rows %+v", rows)
	}
}

func TestTestsHashPasswordsCheaply(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	u := testkit.User(t, store).Create()
	if !strings.Contains(u.PasswordHash, "$m=64,t=1,p=1$") {
		t.Fatalf("a fixture user's hash was made with costly parameters: %s", u.PasswordHash)
	}
	if _, err := store.Authenticate(context.Background(), u.Email, u.Password, models.Client{}); err != nil {
		t.Fatalf("a cheaply hashed user cannot sign in: %v", err)
	}
}

func TestProductionDoesNotImportTestkit(t *testing.T) {
	// The cheap hashes are switched on by importing the test kit; the binary must never do so.
	out, err := exec.Command("go", "list", "-deps", "github.com/rustok/rustok-admin/cmd/rustok").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "internal/testkit") {
		t.Fatal("cmd/rustok imports internal/testkit, so production would hash passwords with the test kit's cheap parameters")
	}
}
