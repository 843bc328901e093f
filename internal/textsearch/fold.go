// Package textsearch holds the one case folding of the node title search, shared by the models
// (which fold titles when they write them and the query when they search) and by the migration
// that re-folds the titles stored before.
package textsearch

import "golang.org/x/text/cases"

// Fold folds s the Unicode way (full case folding), so that "GRÖSSTE", "Größte" and "grösste"
// compare equal: each becomes "grösste". A Caser is stateful, so each call makes its own.
func Fold(s string) string { return cases.Fold().String(s) }
