package handlers_test

import (
	"regexp"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// idLike matches what a title must never show: a uuid or a bare hex id prefix.
var idLike = regexp.MustCompile(`[0-9a-f]{8}`)

func TestHistoryTitles(t *testing.T) {
	t.Parallel()

	t.Run("every event type of the catalog has a human title from its aggregate's formatter", func(t *testing.T) {
		for _, typ := range events.Types() {
			ev, err := events.New(typ)
			if err != nil {
				t.Fatal(err)
			}
			title := handlers.HistoryTitle(ev, nil)
			first, _ := utf8.DecodeRuneInString(title)
			switch {
			case title == "":
				t.Errorf("%s has no human title: give it one in the %s formatter (handlers/history.go)", typ, ev.AggregateType())
			case title == typ || !unicode.IsUpper(first):
				t.Errorf("%s is titled %q, want words starting with a capital", typ, title)
			case idLike.MatchString(title):
				t.Errorf("%s is titled %q, which shows an id", typ, title)
			}
		}
	})

	ann := uuid.New()
	users := map[uuid.UUID]models.User{ann: {ID: ann, Name: "Ann", Email: "ann@example.com"}}
	change := events.Change{Old: "a", New: "b"}
	for _, tc := range []struct {
		ev   events.Event
		want string
	}{
		{&events.NodePublished{}, "Published"},
		{&events.NodeCreated{Kind: "page"}, "Page created"},
		{&events.NodeTranslationUpdated{Locale: "en", Changes: events.Changes{"title": change}}, "Title changed"},
		{&events.NodeTranslationUpdated{Locale: "en", Changes: events.Changes{"title": change, "body": change}}, "Body and title changed"},
		{&events.NodeUpdated{Changes: events.Changes{"parent_id": change}}, "Parent changed"},
		{&events.UserRoleAssigned{UserRef: events.UserRef{UserID: ann}, Role: "editor", Tenant: "*"}, "Role editor assigned to Ann"},
		{&events.UserRoleRevoked{UserRef: events.UserRef{UserID: ann}, Role: "editor", Tenant: "*"}, "Role editor revoked from Ann"},
		{&events.UserRoleAssigned{UserRef: events.UserRef{UserID: uuid.New()}, Role: "editor"}, "Role editor assigned to a removed user"},
		{&events.UserLoggedIn{}, "Signed in"},
		{&events.UserLoginFailed{Email: "ann@example.com"}, "Sign-in failed"},
		{&events.UserDeactivated{Status: "banned"}, "Account banned"},
		{&events.RolePermissionGranted{Resource: "nodes", Action: "publish"}, "Permission granted"},
		{&events.RolePermissionRevoked{Resource: "nodes", Action: "publish"}, "Permission revoked"},
		{&events.TenantDeactivated{}, "Tenant deactivated"},
		{&events.TenantUpdated{Changes: events.Changes{"name": change, "default_locale": change, "slug": change}}, "Default locale, name and slug changed"},
		{&events.TenantLocaleEnabled{Locale: "de"}, "Locale de enabled"},
		{&events.VariantCreated{SKU: "TEE-S"}, "Variant TEE-S added"},
		{&events.VariantUpdated{Changes: events.Changes{"title": change}}, "Variant title changed"},
	} {
		t.Run(tc.ev.EventType()+" reads "+tc.want, func(t *testing.T) {
			if got := handlers.HistoryTitle(tc.ev, users); got != tc.want {
				t.Errorf("title %q, want %q", got, tc.want)
			}
		})
	}
}
