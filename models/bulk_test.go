package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestRunBulk checks the generic bulk helper on a row type of its own, as a later list would
// use it.
func TestRunBulk(t *testing.T) {
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	type row struct {
		id   uuid.UUID
		name string
	}
	a, b, refused := row{uuid.New(), "A"}, row{uuid.New(), "B"}, row{uuid.New(), "Refused"}
	rows := map[uuid.UUID]row{a.id: a, b.id: b, refused.id: refused}
	var applied []string
	action := models.BulkAction[row]{
		Noun: "things",
		Lock: func(_ context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]row, error) {
			out := map[uuid.UUID]row{}
			for _, id := range ids {
				if r, ok := rows[id]; ok && tenantID == tn.ID {
					out[id] = r
				}
			}
			return out, nil
		},
		Title: func(r row) string { return r.name },
		Apply: func(_ context.Context, r row) error {
			if r == refused {
				return &models.ValidationError{Fields: map[string]string{"status": "Not today."}}
			}
			applied = append(applied, r.name)
			return nil
		},
	}

	t.Run("applies to each row once, skipping unknown and refused rows with the reason, in the order given", func(t *testing.T) {
		applied = nil
		stranger := uuid.New()
		res, err := models.RunBulk(context.Background(), store, tn.ID, []uuid.UUID{b.id, stranger, a.id, refused.id, b.id}, action)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Done, []uuid.UUID{b.id, a.id}) || !slices.Equal(applied, []string{"B", "A"}) {
			t.Errorf("done %v, applied %v", res.Done, applied)
		}
		want := []models.BulkSkip{{ID: stranger, Reason: "Not found in this tenant."}, {ID: refused.id, Title: "Refused", Reason: "Not today."}}
		if !slices.Equal(res.Skipped, want) {
			t.Errorf("skipped %+v", res.Skipped)
		}
	})

	t.Run("an empty or oversized selection is refused before anything is locked", func(t *testing.T) {
		for name, ids := range map[string][]uuid.UUID{"none": nil, "too many": make([]uuid.UUID, 0, models.MaxBulk+1)} {
			if name == "too many" {
				for range models.MaxBulk + 1 {
					ids = append(ids, uuid.New())
				}
			}
			_, err := models.RunBulk(context.Background(), store, tn.ID, ids, action)
			var ve *models.ValidationError
			if !errors.As(err, &ve) || ve.Fields["ids"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	t.Run("any other error fails the whole action", func(t *testing.T) {
		boom := errors.New("boom")
		broken := action
		broken.Apply = func(context.Context, row) error { return boom }
		res, err := models.RunBulk(context.Background(), store, tn.ID, []uuid.UUID{a.id}, broken)
		if !errors.Is(err, boom) || len(res.Done)+len(res.Skipped) != 0 {
			t.Errorf("res %+v, err %v", res, err)
		}
	})
}

func TestNodeMoveBlocker(t *testing.T) {
	tn := &models.Tenant{DefaultLocale: "en", Locales: []string{"en", "de"}}
	for _, tc := range []struct {
		name string
		row  models.NodeRow
		to   string
		want string
	}{
		{"a titled draft can be published", models.NodeRow{Status: models.NodeDraft, Title: "T", Slug: "t", TitleLocale: "en", Locales: []string{"en"}}, models.NodePublished, ""},
		{"a draft without the default language cannot", models.NodeRow{Status: models.NodeDraft, Title: "T", Slug: "t", TitleLocale: "de", Locales: []string{"de"}}, models.NodePublished, "Add a title and slug in en before publishing."},
		{"a draft listed in another language is judged by its languages", models.NodeRow{Status: models.NodeDraft, Title: "T", Slug: "t", TitleLocale: "de", Locales: []string{"de", "en"}}, models.NodePublished, ""},
		{"a draft cannot be archived", models.NodeRow{Status: models.NodeDraft}, models.NodeArchived, "Cannot move a draft node to archived."},
		{"a published node can be archived", models.NodeRow{Status: models.NodePublished}, models.NodeArchived, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.NodeMoveBlocker(tn, tc.row, tc.to); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
