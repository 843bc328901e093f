package handlers

import (
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// Exported for handlers_test only.
var (
	LineDiff     = lineDiff
	MaxDiffLines = maxDiffLines
)

// HistoryTitle is the title the formatter of ev's aggregate gives it, "" when it gives none
// (the fallback for unknown types is left out); users names the people a title may mention.
func HistoryTitle(ev events.Event, users map[uuid.UUID]models.User) string {
	e := components.HistoryEntry{}
	historyFormatterOf(ev.AggregateType())(ev, historyNames{models.Names{Users: users}}, &e)
	return e.Title
}
