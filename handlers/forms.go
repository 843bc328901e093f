package handlers

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// refusal is the one way a save's *models.ValidationError becomes what its form shows: each
// message at its field when the form has that field (onForm), and one page-level result. With
// fields marked, the result says nothing was saved and lists the messages that have no field
// here; with none, the result is those messages. ok is false for any other error (nil too).
func refusal(err error, onForm func(field string) bool) (st components.FormState, ok bool) {
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return st, false
	}
	var elsewhere []string
	for _, f := range sortedFields(ve) {
		if onForm != nil && onForm(f) {
			st.Fail(f, ve.Fields[f])
		} else {
			elsewhere = append(elsewhere, ve.Fields[f])
		}
	}
	if st.Invalid() {
		st.Result.Details = elsewhere
	} else {
		st.Refuse(strings.Join(elsewhere, " "))
	}
	return st, true
}

// fields is an onForm for refusal: the form has exactly these fields.
func fields(names ...string) func(string) bool {
	return func(f string) bool { return slices.Contains(names, f) }
}

func sortedFields(ve *models.ValidationError) []string { return slices.Sorted(maps.Keys(ve.Fields)) }
