package components

import "time"

// Schedule is a node's or product's "publish at" and "unpublish at" card: what is scheduled and,
// for a user who may publish, the form that sets, changes or clears it. Times are typed and shown
// in the viewer's zone (datetime-local values such as 2026-12-24T09:00).
type Schedule struct {
	URL       string
	CSRF      string
	CanEdit   bool
	Verb      string // what publishing is called: Publish, Activate
	Zone      string // the viewer's zone, named under the form
	PublishAt string // the form's values
	Unpublish string
	Current   map[string]time.Time // "publish" / "unpublish" → when, as scheduled
	Errors    map[string]string    // "publish_at", "unpublish_at"
	Message   string               // the result of the last save, shown in the card
}

// LocalInput is t as a datetime-local value in loc.
func LocalInput(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }
