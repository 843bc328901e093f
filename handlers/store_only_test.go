package handlers_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHandlersReachTheDatabaseOnlyThroughTheStore keeps SQL out of the handlers: no handler
// file may import a database package or take a connection from the store (Conn, DB); every
// query is a models.Store method.
func TestHandlersReachTheDatabaseOnlyThroughTheStore(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "gorm.io/") || path == "database/sql" {
				t.Errorf("%s imports %s: put the query behind a models.Store method", fset.Position(imp.Pos()), path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Conn" || sel.Sel.Name == "DB") {
				t.Errorf("%s calls .%s(): put the query behind a models.Store method", fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked == 0 {
		t.Fatal("no handler files found: the test runs in the wrong directory")
	}
}
