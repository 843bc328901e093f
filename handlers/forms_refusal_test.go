package handlers

import (
	"errors"
	"slices"
	"testing"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

func TestRefusalIsTheOneWayAValidationErrorBecomesAFormState(t *testing.T) {
	ve := &models.ValidationError{Fields: map[string]string{"name": "Enter a name.", "guard": "Nobody would be left."}}

	st, ok := refusal(ve, fields("name"))
	if !ok || st.Err("name") != "Enter a name." || st.Err("guard") != "" {
		t.Fatalf("fields %v, ok %v", st.Errors, ok)
	}
	if st.Result.Kind != "error" || st.Result.Message != components.NothingSaved || !slices.Equal(st.Result.Details, []string{"Nobody would be left."}) {
		t.Errorf("result %+v: want nothing-saved with the message that has no field", st.Result)
	}
	if !st.Unsaved() {
		t.Error("a form with refused fields is not unsaved")
	}

	st, ok = refusal(ve, nil)
	if !ok || st.Invalid() || st.Result.Message != "Nobody would be left. Enter a name." {
		t.Errorf("no field on the form: %+v", st)
	}
	if st.Unsaved() {
		t.Error("a refusal without fields counts as unsaved input")
	}

	for _, err := range []error{nil, errors.New("disk full"), models.ErrConflict} {
		if _, ok := refusal(err, fields("name")); ok {
			t.Errorf("%v taken for a validation error", err)
		}
	}
}

func TestFormStateStaleAndFail(t *testing.T) {
	var st components.FormState
	st.StaleAt(components.Stale{Message: "Changed by Ann.", Version: 7})
	if !st.Stale || st.Version != 7 || st.Result.Kind != "warning" || st.Result.Message != "Changed by Ann." || !st.Unsaved() {
		t.Errorf("stale: %+v", st)
	}
	st = components.FormState{}
	st.Fail("slug", "Taken.")
	st.Fail("slug", "Second message.")
	if st.Err("slug") != "Taken." || st.Result.Message != components.NothingSaved {
		t.Errorf("fail: %+v", st)
	}
}
