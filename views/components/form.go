package components

// FormState is what a form carries back to the page when a save was refused: one message per
// field the form shows, and one page-level result that takes the page's banner slot (#flash),
// so a new result always replaces the previous one — a "Saved" from before never sits above
// "Nothing was saved". Every edit and create form embeds it.
type FormState struct {
	Errors  map[string]string // one message per field, keyed by the field's name
	Result  Flash             // the page-level message: why nothing was saved, or who saved first
	Version int               // the version of the row the form was loaded from (models/version.go)
	Stale   bool              // the save was refused because the row changed since (Result says how)
}

// Err is the message of one field, or "".
func (s FormState) Err(field string) string { return s.Errors[field] }

// Invalid reports whether any field was refused.
func (s FormState) Invalid() bool { return len(s.Errors) > 0 }

// Unsaved reports whether the form holds input a save refused, so leaving the page asks first
// (data-unsaved, static/app.js).
func (s FormState) Unsaved() bool { return len(s.Errors) > 0 || s.Stale }

// Fail records a field's message (the first one stays) and the page-level result that goes
// with it, when there is none yet.
func (s *FormState) Fail(field, msg string) {
	if s.Errors == nil {
		s.Errors = map[string]string{}
	}
	if _, ok := s.Errors[field]; !ok {
		s.Errors[field] = msg
	}
	if s.Result.Message == "" {
		s.Result = Flash{Kind: "error", Message: NothingSaved}
	}
}

// Refuse sets the page-level result for a refusal that belongs to no field.
func (s *FormState) Refuse(msg string) { s.Result = Flash{Kind: "error", Message: msg} }

// StaleAt marks the form as refused because the row changed since it was loaded: the result
// names who changed what, and the form now carries the current version, so saving again is a
// deliberate choice.
func (s *FormState) StaleAt(st Stale) {
	s.Version, s.Stale = st.Version, true
	s.Result = Flash{Kind: "warning", Message: st.Message}
}

// NothingSaved is the page-level result of a form with refused fields.
const NothingSaved = "Nothing was saved. Fix the fields marked below and save again."
