package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// formVersion reads the version an edit form was loaded from (its hidden "version" field). A
// form without one reads as 0, which no row has, so its save is refused as stale rather than
// written over whatever changed since.
func formVersion(c *fiber.Ctx) *int {
	v, err := strconv.Atoi(strings.TrimSpace(c.FormValue("version")))
	if err != nil || v < 0 {
		v = 0
	}
	return &v
}

// renderStale is how every edit form answers a save models refused as stale (models.ErrStale):
// show draws the form again, with 409, what the user typed and the notice and version it is
// given — who changed what since the form was loaded, and the row's current version, so that
// saving again is a deliberate choice. locales are the tenant's, to tell a translation's fields
// apart (nil elsewhere). handled is false, and nothing is sent, for any other error.
func (a *App) renderStale(c *fiber.Ctx, err error, locales []string, show func(components.Stale) error) (handled bool, _ error) {
	var se *models.StaleError
	if !errors.As(err, &se) {
		return false, nil
	}
	msg, err := a.staleMessage(c, se, locales)
	if err != nil {
		return true, err
	}
	a.log.InfoContext(ctx(c), "stale save refused", "aggregate", se.Aggregate, "id", se.ID.String(),
		"form_version", se.Loaded, "version", se.Current)
	return true, show(components.Stale{Message: msg, Version: se.Current})
}

// staleShown is how many of the saves since the form was loaded the notice names; older ones
// are counted.
const staleShown = 3

// staleMessage says who changed what since the form was loaded: "Changed by Ann Smith at 14:02
// UTC: title, excerpt. Your changes are below; review them and save again."
func (a *App) staleMessage(c *fiber.Ctx, se *models.StaleError, locales []string) (string, error) {
	const tail = " Your changes are below; review them and save again."
	switch {
	case se.Loaded == 0:
		return "This form did not say which version it was opened at, so it was not saved." + tail, nil
	case len(se.Changes) == 0:
		return "Someone else changed this after you opened it." + tail, nil
	}
	var ids []uuid.UUID
	for _, ch := range se.Changes {
		if ch.ActorID != nil && !slices.Contains(ids, *ch.ActorID) {
			ids = append(ids, *ch.ActorID)
		}
	}
	actors, err := a.store.UsersByIDs(ctx(c), ids)
	if err != nil {
		return "", err
	}
	shown := se.Changes[max(0, len(se.Changes)-staleShown):]
	parts := make([]string, 0, len(shown))
	now := time.Now().UTC()
	for _, ch := range shown {
		parts = append(parts, "by "+actorName(ch.ActorID, actors)+" at "+clockTime(ch.At, now)+": "+fieldList(ch.Fields, locales))
	}
	msg := "Changed " + strings.Join(parts, "; ") + "."
	if older := len(se.Changes) - len(shown); older > 0 {
		msg += fmt.Sprintf(" And %d earlier %s.", older, plural(older, "change", "changes"))
	}
	return msg + tail, nil
}

// clockTime is when a change happened: the time of day for today, with the date otherwise.
func clockTime(at, now time.Time) string {
	at = at.UTC()
	if y, m, d := at.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return at.Format("15:04") + " UTC"
	}
	return at.Format("2006-01-02 15:04") + " UTC"
}

// fieldOrder is the order in which a notice lists fields: as the forms show them.
var fieldOrder = []string{"title", "slug", "excerpt", "body", "parent_id", "position", "status",
	"name", "description", "domain", "default_locale", "locales"}

// fieldLabels name the fields whose key is not a word.
var fieldLabels = map[string]string{"parent_id": "parent page", "default_locale": "default locale"}

// fieldList names the changed fields in form order: "title, excerpt", or, in a tenant with
// several locales, "title (de), excerpt (de)".
func fieldList(fields []models.ChangedField, locales []string) string {
	sorted := slices.Clone(fields)
	rank := func(f models.ChangedField) (int, int) {
		i := slices.Index(fieldOrder, f.Name)
		if i < 0 {
			i = len(fieldOrder)
		}
		return i, slices.Index(locales, f.Locale)
	}
	slices.SortStableFunc(sorted, func(x, y models.ChangedField) int {
		xi, xl := rank(x)
		yi, yl := rank(y)
		if xi != yi {
			return xi - yi
		}
		if xl != yl {
			return xl - yl
		}
		return strings.Compare(x.Name, y.Name)
	})
	names := make([]string, len(sorted))
	for i, f := range sorted {
		name := f.Name
		if l, ok := fieldLabels[name]; ok {
			name = l
		}
		if f.Locale != "" && len(locales) > 1 {
			name += " (" + f.Locale + ")"
		}
		names[i] = name
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
