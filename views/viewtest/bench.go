// Package viewtest holds what the views' benchmarks share.
package viewtest

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/rustok/rustok-admin/views/components"
)

// Render benchmarks a list's full page and its htmx fragment as a signed-in viewer in
// Europe/Berlin sees them (docs/BENCHMARKS.md, "Request path (issue 12)"; goal under 0.3 ms each).
func Render(b *testing.B, page, fragment templ.Component) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	ctx := components.WithZone(context.Background(), berlin)
	for _, r := range []struct {
		name string
		c    templ.Component
	}{{"page", page}, {"fragment", fragment}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if err := r.c.Render(ctx, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
