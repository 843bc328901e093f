package models

import (
	"errors"
	"testing"
)

func TestNodeWorkflowMoves(t *testing.T) {
	w := NodeWorkflow
	allowed := map[[2]string]string{
		{NodeDraft, NodePublished}:    "Publish",
		{NodePublished, NodeDraft}:    "Unpublish",
		{NodePublished, NodeArchived}: "Archive",
		{NodeArchived, NodeDraft}:     "Restore as draft",
	}
	for _, from := range w.States() {
		for _, to := range w.States() {
			verb, ok := allowed[[2]string{from, to}]
			m, err := w.Move(from, to)
			if ok != (err == nil) || ok != w.Can(from, to) || (w.Refusal(from, to) == "") != ok {
				t.Fatalf("%s → %s: allowed %v, Move err %v, Can %v, Refusal %q", from, to, ok, err, w.Can(from, to), w.Refusal(from, to))
			}
			if ok && m.Verb != verb {
				t.Errorf("%s → %s: verb %q, want %q", from, to, m.Verb, verb)
			}
			var ve *ValidationError
			if !ok && (!errors.As(err, &ve) || ve.Fields["status"] != "Cannot move a "+from+" node to "+to+".") {
				t.Errorf("%s → %s: refusal %v", from, to, err)
			}
		}
	}
	if got := w.From(NodePublished); len(got) != 2 || got[0].To != NodeDraft || got[1].To != NodeArchived {
		t.Errorf("moves out of published, in button order: %+v", got)
	}
	if m, ok := w.Into(NodeDraft); !ok || m.Done != "unpublished" {
		t.Errorf("Into(draft) = %+v, %v", m, ok)
	}
	if err := w.Check("deleted"); err == nil || err.(*ValidationError).Fields["status"] != "Choose draft, published or archived." {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := w.Move(NodeDraft, "gone"); err == nil || err.(*ValidationError).Fields["status"] != "Choose draft, published or archived." {
		t.Errorf("move to an unknown status: %v", err)
	}
}

func TestWorkflowRefusesBadDeclarations(t *testing.T) {
	for name, moves := range map[string][]Move{
		"unknown state": {{From: "a", To: "z"}},
		"twice":         {{From: "a", To: "b"}, {From: "a", To: "b"}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("NewWorkflow accepted it")
				}
			}()
			NewWorkflow("thing", []string{"a", "b"}, moves...)
		})
	}
}
