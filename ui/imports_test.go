package ui

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The UI reaches computations only through package study: no file of the
// package imports the model or numerics packages (nor gonum), so a number on
// screen cannot come from code the commands do not run.
func TestUIImportsNoComputation(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, banned := range []string{"github.com/ctdtui/ctdtui/nets", "github.com/ctdtui/ctdtui/analysis", "gonum.org/"} {
				if strings.HasPrefix(path, banned) {
					t.Errorf("%s imports %s: reach it through package study", f, path)
				}
			}
		}
	}
}
