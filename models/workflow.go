package models

import (
	"fmt"
	"slices"
	"strings"
)

// Workflow is a small state machine for a record's status: the states it may be in, in the
// order screens list them, and the moves between them, each with the label of the button that
// makes it and the word a result uses. Node status is one (NodeWorkflow); product status is the
// next. The store refuses a move the workflow does not have, and views offer exactly its moves,
// so the two cannot drift apart.
type Workflow struct {
	noun   string // what the record is called in messages: "node"
	states []string
	moves  []Move
}

// Move is one allowed change of status.
type Move struct {
	From, To string
	Verb     string // the button: "Publish"
	Done     string // the result: "published"
}

// NewWorkflow declares a workflow. A move naming an unknown state, or declared twice, is a
// programming error and panics when the package loads.
func NewWorkflow(noun string, states []string, moves ...Move) Workflow {
	w := Workflow{noun: noun, states: states}
	for _, m := range moves {
		if !slices.Contains(states, m.From) || !slices.Contains(states, m.To) {
			panic(fmt.Sprintf("models: workflow %s: move %s → %s names an unknown state", noun, m.From, m.To))
		}
		if w.Can(m.From, m.To) {
			panic(fmt.Sprintf("models: workflow %s: move %s → %s declared twice", noun, m.From, m.To))
		}
		w.moves = append(w.moves, m)
	}
	return w
}

// States are the workflow's states in display order.
func (w Workflow) States() []string { return slices.Clone(w.states) }

// Known reports whether state is one of the workflow's states.
func (w Workflow) Known(state string) bool { return slices.Contains(w.states, state) }

// Can reports whether the workflow has a move from one state to another.
func (w Workflow) Can(from, to string) bool {
	_, ok := w.find(from, to)
	return ok
}

// From lists the moves out of a state, in the order they were declared (button order).
func (w Workflow) From(state string) []Move {
	var out []Move
	for _, m := range w.moves {
		if m.From == state {
			out = append(out, m)
		}
	}
	return out
}

// Into is the first declared move into a state: what a bulk move to it, from whatever state,
// is called.
func (w Workflow) Into(to string) (Move, bool) {
	for _, m := range w.moves {
		if m.To == to {
			return m, true
		}
	}
	return Move{}, false
}

// Move returns the move from one state to another, or a *ValidationError on "status" saying
// why there is none (Refusal).
func (w Workflow) Move(from, to string) (Move, error) {
	if m, ok := w.find(from, to); ok {
		return m, nil
	}
	return Move{}, &ValidationError{Fields: map[string]string{"status": w.Refusal(from, to)}}
}

// Refusal says why there is no move from one state to another, or "" when there is.
func (w Workflow) Refusal(from, to string) string {
	switch {
	case w.Can(from, to):
		return ""
	case !w.Known(to):
		return "Choose " + w.choices() + "."
	}
	return "Cannot move a " + from + " " + w.noun + " to " + to + "."
}

// Check refuses a state the workflow does not have, as a *ValidationError on "status".
func (w Workflow) Check(state string) error {
	if w.Known(state) {
		return nil
	}
	return &ValidationError{Fields: map[string]string{"status": "Choose " + w.choices() + "."}}
}

func (w Workflow) find(from, to string) (Move, bool) {
	for _, m := range w.moves {
		if m.From == from && m.To == to {
			return m, true
		}
	}
	return Move{}, false
}

// choices is "draft, published or archived".
func (w Workflow) choices() string {
	if len(w.states) < 2 {
		return strings.Join(w.states, "")
	}
	return strings.Join(w.states[:len(w.states)-1], ", ") + " or " + w.states[len(w.states)-1]
}

// NodeWorkflow is the publishing workflow of posts and pages (DESIGN.md): draft → published,
// published → draft or archived, archived → draft.
var NodeWorkflow = NewWorkflow("node", []string{NodeDraft, NodePublished, NodeArchived},
	Move{From: NodeDraft, To: NodePublished, Verb: "Publish", Done: "published"},
	Move{From: NodePublished, To: NodeDraft, Verb: "Unpublish", Done: "unpublished"},
	Move{From: NodePublished, To: NodeArchived, Verb: "Archive", Done: "archived"},
	Move{From: NodeArchived, To: NodeDraft, Verb: "Restore as draft", Done: "restored as a draft"},
)
