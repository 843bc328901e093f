package components

import (
	"strings"

	"github.com/a-h/templ"
)

// BulkAction is one button of a list's bulk bar. Rows name the keys of the actions they can
// take (SelectRow); static/app.js enables a button only while a selected row can take it.
// Without JavaScript every button stays enabled and the confirmation step says what would be
// skipped.
type BulkAction struct {
	Key         string // what SelectRow's actions name: "published", "delete"
	Label       string
	URL         string // where the button posts the selection (formaction)
	Name, Value string // the button's own field, if any: to=published
	Danger      bool
	TestID      string
}

// BulkConfirm is the confirmation step of a bulk action: what the selection holds, what will
// happen to each row and which rows will be skipped, and why.
type BulkConfirm struct {
	Verb      string // the button: "Publish"
	Done      string // what happens to a row that can take it: "published"
	URL       string // where the confirmed action posts
	Back      string // the list the selection came from
	CSRF      string
	Hidden    [][2]string // the action's own fields: to=published
	Items     []BulkItem
	Danger    bool
	One, Many string // the rows' noun: item, items
}

// BulkItem is one selected row of a confirmation.
type BulkItem struct {
	ID, Title, Detail string
	Badge             templ.Component // may be nil
	Blocker           string          // why the action will skip the row; "" if it will take it
}

// Movable counts the rows the action will take.
func (b BulkConfirm) Movable() int {
	n := 0
	for _, it := range b.Items {
		if it.Blocker == "" {
			n++
		}
	}
	return n
}

// Summary says how many rows the action takes and how many it skips.
func (b BulkConfirm) Summary() string {
	n := b.Movable()
	s := Count(n, b.One, b.Many) + " will be " + b.Done
	if skip := len(b.Items) - n; skip > 0 {
		s += "; " + Count(skip, b.One, b.Many) + " will be skipped, as listed"
	}
	return s + "."
}

func actionKeys(keys []string) string { return strings.Join(keys, " ") }
