package components

import (
	"context"
	"io"
	"time"

	"github.com/a-h/templ"
)

// Badge is a small rounded label; tone is green, amber, red or grey (anything else). Lists render
// one a row, so it is one string and one Write instead of a templ component's class processing.
func Badge(tone, text, testID string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		return write(w, `<span class="`, badgeClass(tone), `" data-testid="`, templ.EscapeString(testID), `">`, templ.EscapeString(text), `</span>`)
	})
}

// SelectCell is a row's checkbox: id is posted as ids, actions are the keys of the bulk
// actions the row can take. Written like Badge: every row of a list has one.
func SelectCell(id, label, testID string, actions []string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		return write(w, `<td><input type="checkbox" name="ids" value="`, templ.EscapeString(id),
			`" aria-label="`, templ.EscapeString(label), `" class="h-4 w-4" data-bulk-actions="`,
			templ.EscapeString(actionKeys(actions)), `" data-testid="`, templ.EscapeString(testID), `"></td>`)
	})
}

// OptionalTime is Time for a moment that may not have happened, shown as none then.
func OptionalTime(t *time.Time, none string) templ.Component {
	if t == nil {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, templ.EscapeString(none))
			return err
		})
	}
	return Time(*t, false)
}

// write writes the strings in order (into templ's buffered writer: no concatenation).
func write(w io.Writer, parts ...string) error {
	for _, p := range parts {
		if _, err := io.WriteString(w, p); err != nil {
			return err
		}
	}
	return nil
}
