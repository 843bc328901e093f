package models

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones load the same on a host without /usr/share/zoneinfo (a bare container)

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// The viewer's time zone. The browser reports it (static/app.js posts
// Intl.DateTimeFormat().resolvedOptions().timeZone to /account/time-zone) and pages then render
// every time in it (views/components/time.templ). It is a display preference the browser
// writes on its own, not a change someone makes to the account, so storing it emits no event
// and bumps no version: an event would land in the log of every tenant the user belongs to and
// tell its admins roughly where the person is, for no audit value; a version bump would make an
// admin's open form of that user stale for a change the form does not show.

// MaxTimeZoneLength bounds a zone name; the longest IANA name has 32 characters.
const MaxTimeZoneLength = 64

// timeZoneName is the shape of an IANA zone name: "UTC", "EST5EDT", "Europe/Berlin",
// "America/Argentina/Buenos_Aires", "Etc/GMT+5". It keeps paths and "Local" out before
// time.LoadLocation is asked.
var timeZoneName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)*$`)

// zones caches the locations of the names that loaded: time.LoadLocation reads the zone data
// again on every call, and a page renders with the viewer's zone on every request. Only valid
// names are kept, so the cache is bounded by the zone database.
var zones sync.Map // name → *time.Location

// TimeZoneLocation returns the location of an IANA time zone name. A name that is not one — empty,
// "Local", a path, anything time.LoadLocation does not know — is a *ValidationError on the
// field time_zone.
func TimeZoneLocation(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	bad := func(msg string) error { return &ValidationError{Fields: map[string]string{"time_zone": msg}} }
	switch {
	case name == "":
		return nil, bad("Time zone is required: use an IANA name such as Europe/Berlin.")
	case len(name) > MaxTimeZoneLength:
		return nil, bad("That is not a time zone: use an IANA name such as Europe/Berlin.")
	}
	loc, err := time.LoadLocation(name)
	if name == "Local" || !timeZoneName.MatchString(name) || err != nil {
		return nil, bad("“" + name + "” is not a time zone: use an IANA name such as Europe/Berlin.")
	}
	zones.Store(name, loc)
	return loc, nil
}

// Location returns the user's time zone, or nil when none is stored (or the stored name no
// longer loads): pages then show UTC.
func (u *User) Location() *time.Location {
	if u == nil || u.TimeZone == nil {
		return nil
	}
	loc, err := TimeZoneLocation(*u.TimeZone)
	if err != nil {
		return nil
	}
	return loc
}

// ChooseTimeZone is the account page's choice: an IANA zone the user fixes (the browser's
// report no longer changes it), or "" to follow the browser again. Event: user.updated
// time_zone old → new, where "" reads "automatic (the browser's)".
func (s *Store) ChooseTimeZone(ctx context.Context, userID uuid.UUID, name string) error {
	name = strings.TrimSpace(name)
	if name != "" {
		if _, err := TimeZoneLocation(name); err != nil {
			return err
		}
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		label := func(fixed bool, zone *string) string {
			if !fixed || zone == nil {
				return "automatic (the browser's)"
			}
			return *zone
		}
		old := label(u.TimeZoneFixed, u.TimeZone)
		up := map[string]any{"time_zone_fixed": name != ""}
		if name != "" {
			up["time_zone"] = name
		}
		if err := s.Conn(ctx).Model(&User{}).Where("id = ?", userID).UpdateColumns(up).Error; err != nil {
			return translate(err, "choose time zone")
		}
		now := label(name != "", &name)
		if old == now {
			return nil
		}
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: userID}, Changes: events.Changes{}.Diff("time_zone", old, now)})
	})
}

// SetUserTimeZone stores the IANA zone the user's browser reported and says whether it changed;
// nothing when the user fixed their zone (ChooseTimeZone).
// It writes only when the zone differs from the stored one, so a browser that reports it again
// costs a read; it emits no event and bumps neither the version nor updated_at (see above). A
// name that is not a zone is a *ValidationError on time_zone; an unknown user ErrNotFound.
func (s *Store) SetUserTimeZone(ctx context.Context, userID uuid.UUID, name string) (bool, error) {
	name = strings.TrimSpace(name)
	if _, err := TimeZoneLocation(name); err != nil {
		return false, err
	}
	res := s.Conn(ctx).Model(&User{}).Where("id = ? AND NOT time_zone_fixed AND (time_zone IS NULL OR time_zone <> ?)", userID, name).
		UpdateColumn("time_zone", name)
	if res.Error != nil {
		return false, translate(res.Error, "set time zone")
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	if _, err := s.UserByID(ctx, userID); err != nil { // the same zone, or nobody
		return false, err
	}
	return false, nil
}
