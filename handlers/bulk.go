package handlers

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// bulkFlow is the one bulk mechanism of the lists. A list's bulk form posts the selected ids
// (ids), the list as shown (back) and the action's own fields; runBulk then
//
//  1. refuses a damaged, empty or oversized selection (refuse: the list again, with 422);
//  2. without confirm=yes, asks: confirm renders the step that names every selected row, what
//     will happen to it and what will be skipped and why (views/components BulkConfirmForm);
//     false when none of the rows exists any more;
//  3. confirmed, runs the action in one transaction (models.RunBulk) and redirects back with a
//     flash naming what was done and what was skipped and why (done).
type bulkFlow struct {
	listBase string                                           // only this list's addresses are followed back
	refuse   func(back, msg string) error                     // answers 422 with msg above the list
	confirm  func(ids []uuid.UUID, back string) (bool, error) // renders the confirmation step
	done     func(res models.BulkResult) string               // the flash of a finished action
}

// back is where the selection came from: the posted list address when it is this list's.
func (f bulkFlow) back(c *fiber.Ctx) string {
	if b := c.FormValue("back"); b == f.listBase || (strings.HasPrefix(b, f.listBase+"?") && !strings.ContainsAny(b, "\\\r\n")) {
		return strings.Clone(b)
	}
	return f.listBase
}

// selection reads the posted ids, once each; bad is true when one is not an id.
func selection(c *fiber.Ctx) (ids []uuid.UUID, bad bool) {
	formOf(c).visitAll(func(key, value string) {
		if key != "ids" {
			return
		}
		id, err := uuid.Parse(value)
		if err != nil {
			bad = true
			return
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	})
	return ids, bad
}

// runBulk checks the selection, confirms, runs apply and reports (see bulkFlow).
func (a *App) runBulk(c *fiber.Ctx, f bulkFlow, apply func(ids []uuid.UUID) (models.BulkResult, error)) error {
	back := f.back(c)
	ids, bad := selection(c)
	switch {
	case bad:
		return f.refuse(back, "The selection was damaged. Select the items again.")
	case len(ids) == 0:
		return f.refuse(back, "Select at least one item first.")
	case len(ids) > models.MaxBulk:
		return f.refuse(back, fmt.Sprintf("Select at most %d items at a time.", models.MaxBulk))
	}
	if c.FormValue("confirm") != "yes" {
		if shown, err := f.confirm(ids, back); shown || err != nil {
			return err
		}
		return f.refuse(back, "None of the selected items exist any more.")
	}
	res, err := apply(ids)
	if st, ok := refusal(err, nil); ok {
		return f.refuse(back, st.Result.Message)
	} else if err != nil {
		return err
	}
	return a.flashRedirect(c, bulkKind(res), f.done(res), back)
}

// savedQuery reads a list address's query string, for re-rendering that list.
func savedQuery(address string) func(string) string {
	q := url.Values{}
	if _, raw, ok := strings.Cut(address, "?"); ok {
		q, _ = url.ParseQuery(raw)
	}
	return q.Get
}

// bulkKind is the flash kind of a result: success, info when some were skipped, error when all.
func bulkKind(res models.BulkResult) string {
	if len(res.Skipped) == 0 {
		return "success"
	}
	if len(res.Done) == 0 {
		return "error"
	}
	return "info"
}

// bulkReport finishes a bulk action's flash after its verb: "3 items. Skipped 1: “X” — reason."
func bulkReport(res models.BulkResult, one, many string) string {
	msg := components.Count(len(res.Done), one, many) + "."
	if len(res.Skipped) > 0 {
		var parts []string
		for i, s := range res.Skipped {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("and %d more", len(res.Skipped)-5))
				break
			}
			title := s.Title
			if title == "" {
				title = s.ID.String()
			}
			parts = append(parts, "“"+title+"” — "+s.Reason)
		}
		msg += " Skipped " + components.Count(len(res.Skipped), one, many) + ": " + strings.Join(parts, "; ")
	}
	return msg
}
