package components

import (
	"context"
	"time"
)

// The layouts of a time's text. static/app.js (localTimes) builds the same text in the
// browser's zone; change both together.
const (
	DateLayout   = "2006-01-02"
	MinuteLayout = "2006-01-02 15:04"
	SecondLayout = "2006-01-02 15:04:05"
)

type zoneKey struct{}

// WithZone returns a context whose components render times in loc: the signed-in viewer's
// time zone (handlers set it from the user row). A nil loc leaves them in UTC.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey{}, loc)
}

// ZoneFrom returns the viewer's time zone of the context, or nil when it is not known.
func ZoneFrom(ctx context.Context) *time.Location {
	loc, _ := ctx.Value(zoneKey{}).(*time.Location)
	return loc
}

// TimeText is the text of a time with the layout: in loc, or, with no loc, in UTC followed by
// " UTC" (a date alone carries no zone).
func TimeText(t time.Time, loc *time.Location, layout string) string {
	if loc != nil {
		return t.In(loc).Format(layout)
	}
	if layout == DateLayout {
		return t.UTC().Format(layout)
	}
	return t.UTC().Format(layout) + " UTC"
}

// timeLayout is the layout of a time to the minute, or to the second.
func timeLayout(seconds bool) string {
	if seconds {
		return SecondLayout
	}
	return MinuteLayout
}
