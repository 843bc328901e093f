package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestScheduleFormsOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t) // enqueues; the jobs themselves are tested in internal/jobs
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	manager, mu := testkit.ClientAs(t, app, tn, "manager")
	customer, _ := testkit.ClientAs(t, app, tn, "customer")
	stranger, _ := testkit.ClientAs(t, app, other, "admin")
	node := testkit.Node(t, app.Store, tn).Author(mu.ID).Translation(tn.DefaultLocale, "Launch", "Soon.").Create()
	product := testkit.Product(t, app.Store, tn).Price("USD", 100).Create()
	nodeURL := "/t/" + tn.Slug + "/nodes/" + node.ID.String()
	productURL := "/t/" + tn.Slug + "/products/" + product.ID.String()
	// The viewer's zone: a manager in Tokyo types Tokyo times.
	if err := app.Store.DB().Model(&models.User{}).Where("id = ?", mu.ID).Update("time_zone", "Asia/Tokyo").Error; err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	when := time.Now().In(tokyo).Add(48 * time.Hour).Truncate(time.Minute)
	typed := when.Format("2006-01-02T15:04")

	page := manager.Get(nodeURL).ExpectStatus(http.StatusOK)
	if page.TestID("schedule-none").Length() != 1 || page.TestID("schedule-form").Length() != 1 {
		t.Fatal("the editor shows no empty schedule with its form")
	}
	if customer.Get("/t/"+tn.Slug+"/products/"+product.ID.String()).TestID("schedule-form").Length() != 0 {
		t.Fatal("a customer is offered the schedule form")
	}

	// Refused: a bad time, a time in the past, unpublish before publish: 422, nothing scheduled.
	for _, form := range []url.Values{
		{"publish_at": {"next tuesday"}},
		{"publish_at": {time.Now().In(tokyo).Add(-time.Hour).Format("2006-01-02T15:04")}},
		{"publish_at": {typed}, "unpublish_at": {when.Add(-time.Hour).Format("2006-01-02T15:04")}},
	} {
		res := manager.PostForm(nodeURL+"/schedule", form).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Find(`[data-testid="schedule-form"] [aria-invalid="true"]`).Length() == 0 {
			t.Fatalf("no field marked for %v", form)
		}
		if !strings.Contains(string(res.Body), form.Get("publish_at")) {
			t.Fatalf("what was typed is lost for %v", form)
		}
	}
	if s, _ := app.Store.SchedulesOf(context.Background(), tn.ID, models.ScheduleNode, node.ID); len(s) != 0 {
		t.Fatalf("a refused form scheduled %+v", s)
	}

	manager.PostForm(nodeURL+"/schedule", url.Values{"publish_at": {typed}}).ExpectStatus(http.StatusSeeOther)
	s, _ := app.Store.SchedulesOf(context.Background(), tn.ID, models.ScheduleNode, node.ID)
	if got := s[models.SchedulePublish].RunAt; !got.Equal(when) {
		t.Fatalf("scheduled for %v, want %v (typed in Tokyo)", got, when.UTC())
	}
	page = manager.Get(nodeURL)
	if page.TestID("scheduled-publish").Length() != 1 || page.Find("#schedule-publish").AttrOr("value", "") != typed {
		t.Fatal("the editor does not show the schedule in the viewer's zone")
	}
	row, err := app.Deps.Jobs.JobRow(context.Background(), s[models.SchedulePublish].RiverJobID)
	if err != nil || row.State != "scheduled" || row.ScheduledAt.Sub(when).Abs() > time.Second {
		t.Fatalf("River job: %+v (%v)", row, err)
	}
	manager.PostForm(nodeURL+"/schedule", url.Values{"clear": {"1"}}).ExpectStatus(http.StatusSeeOther)
	if s, _ := app.Store.SchedulesOf(context.Background(), tn.ID, models.ScheduleNode, node.ID); len(s) != 0 {
		t.Fatalf("a cancelled schedule stays: %+v", s)
	}
	if row, _ := app.Deps.Jobs.JobRow(context.Background(), row.ID); row.State != "cancelled" {
		t.Fatalf("the cancelled schedule's job is %s", row.State)
	}

	// Products the same way; permissions and tenants as everywhere.
	manager.PostForm(productURL+"/schedule", url.Values{"publish_at": {typed}, "unpublish_at": {when.Add(time.Hour).Format("2006-01-02T15:04")}}).ExpectStatus(http.StatusSeeOther)
	if s, _ := app.Store.SchedulesOf(context.Background(), tn.ID, models.ScheduleProduct, product.ID); len(s) != 2 {
		t.Fatalf("product schedules: %+v", s)
	}
	customer.PostForm(productURL+"/schedule", url.Values{"publish_at": {typed}}).ExpectStatus(http.StatusForbidden)
	// A viewer whose browser has not reported a zone yet sees the schedule in UTC.
	if got := customer.Get(productURL).ExpectStatus(http.StatusOK); got.TestID("scheduled-publish").Length() != 1 {
		t.Fatal("a viewer with no time zone does not see the schedule")
	}
	stranger.PostForm("/t/"+other.Slug+"/products/"+product.ID.String()+"/schedule", url.Values{"publish_at": {typed}}).ExpectStatus(http.StatusNotFound)
}
