package components

import (
	"bytes"
	"context"
	"html"
	"io"
	"sync"
	"time"

	"github.com/a-h/templ"
)

// Time renders a moment as <time>: the text in the viewer's time zone (ZoneFrom), or in UTC,
// marked so, while the viewer's zone is not known yet; the title is always the UTC time to the
// second. static/app.js writes the text in the browser's zone with the same layout (TimeText),
// so a page the server rendered in that zone does not change when the script runs.
func Time(t time.Time, seconds bool) templ.Component { return timeElement{t: t, seconds: seconds} }

// Date is Time for a day: the date in the viewer's zone, with the UTC time as the title.
func Date(t time.Time) templ.Component { return timeElement{t: t, date: true} }

// timeElement is written with one append buffer and one Write: a list of 50 rows renders 100 of
// them, and as a templ component each cost a dozen allocations (issue 12, docs/BENCHMARKS.md
// "Rendering"). The output is what the templ version wrote, byte for byte.
type timeElement struct {
	t             time.Time
	seconds, date bool
}

// timeBuffers hold the bytes of one element while it is written: a buffer on the stack would
// escape through w.Write.
var timeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 192); return &b }}

func (e timeElement) Render(ctx context.Context, w io.Writer) error {
	buf := timeBuffers.Get().(*[]byte)
	defer timeBuffers.Put(buf)
	u := e.t.UTC()
	b := append((*buf)[:0], `<time datetime="`...)
	b = u.AppendFormat(b, time.RFC3339)
	b = append(b, `" title="`...)
	b = u.AppendFormat(b, SecondLayout)
	b = append(b, ` UTC"`...)
	if e.seconds {
		b = append(b, ` data-seconds`...)
	}
	if e.date {
		b = append(b, ` data-date`...)
	}
	b = append(b, '>')
	layout := timeLayout(e.seconds)
	if e.date {
		layout = DateLayout
	}
	text := b
	switch loc := ZoneFrom(ctx); {
	case loc != nil:
		b = e.t.In(loc).AppendFormat(b, layout)
	case e.date:
		b = u.AppendFormat(b, layout)
	default:
		b = append(u.AppendFormat(b, layout), " UTC"...)
	}
	if bytes.ContainsAny(b[len(text):], `<>&'"`) { // layouts are digits and marks: never in practice
		b = append(b[:len(text)], html.EscapeString(string(b[len(text):]))...)
	}
	b = append(b, `</time>`...)
	*buf = b
	_, err := w.Write(b)
	return err
}
