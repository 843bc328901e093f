package dashboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	ev "github.com/rustok/rustok-admin/internal/events"
)

// Chart geometry, in SVG user units; the SVG scales to its container's width.
const (
	chartWidth  = 600
	chartHeight = 160
	chartTop    = 10 // room above the tallest bar
	chartBottom = 20 // room for the day labels
)

// Bar is one day of the events chart, laid out.
type Bar struct {
	X, Y, W, H float64
	Label      string // "Dec 3"
	Count      int64
	Tick       bool   // the day's label is drawn under the axis: today and every 7th day before it
	Anchor     string // text-anchor of the label: "end" for today's, at the right edge
}

// Chart is the events-per-day bar chart: its bars and a sentence that says what it shows.
type Chart struct {
	Bars    []Bar
	Total   int64
	Max     int64
	Summary string
}

// ChartHTML draws the chart of the days (the SVG and its hidden table). The dashboard keeps it
// with the tenant's cached snapshot, so the bars are drawn once per change, not once per view.
func ChartHTML(days []ev.DayCount) (string, error) {
	var b strings.Builder
	if err := chart(NewChart(days)).Render(context.Background(), &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// NewChart lays out one bar per day, scaled to the busiest day.
func NewChart(days []ev.DayCount) Chart {
	c := Chart{}
	for _, d := range days {
		c.Total += d.Count
		c.Max = max(c.Max, d.Count)
	}
	if len(days) == 0 {
		c.Summary = "No events."
		return c
	}
	slot := float64(chartWidth) / float64(len(days))
	plot := float64(chartHeight - chartTop - chartBottom)
	for i, d := range days {
		h := 0.0
		if c.Max > 0 {
			h = plot * float64(d.Count) / float64(c.Max)
		}
		if d.Count > 0 && h < 1 {
			h = 1 // a day with events is never invisible
		}
		c.Bars = append(c.Bars, Bar{
			X: float64(i)*slot + slot*0.15, W: slot * 0.7, H: h, Y: float64(chartHeight-chartBottom) - h,
			Label: dayLabel(d.Day), Count: d.Count, Tick: (len(days)-1-i)%7 == 0, Anchor: "middle",
		})
	}
	c.Bars[len(c.Bars)-1].Anchor = "end"
	c.Summary = fmt.Sprintf("Events per day, %s to %s: %d in all, at most %d on one day.",
		dayLabel(days[0].Day), dayLabel(days[len(days)-1].Day), c.Total, c.Max)
	return c
}

func dayLabel(t time.Time) string { return t.UTC().Format("Jan 2") }

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func count(n int64) string { return strconv.FormatInt(n, 10) }

func eventsWord(n int64) string {
	if n == 1 {
		return "1 event"
	}
	return count(n) + " events"
}

// labelX places a day's label under its bar, or flush with the chart's right edge for today's.
func labelX(b Bar) string {
	if b.Anchor == "end" {
		return num(chartWidth)
	}
	return num(b.X + b.W/2)
}
