package handlers

// Exported for handlers_test only.
var (
	LineDiff     = lineDiff
	MaxDiffLines = maxDiffLines
)
