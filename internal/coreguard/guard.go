// Package coreguard enforces DESIGN.md's determinism rule on the source of
// core/: it parses every non-test Go file and reports each construct the rule
// forbids. The rule cannot be left to review: one stray time.Now in a core
// package makes simulator runs unreproducible.
package coreguard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Violation is one forbidden construct found in the source.
type Violation struct {
	Pos  token.Position // where it is
	What string         // what the rule forbids there
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s", v.Pos, v.What) }

// forbiddenImports are packages core may not import at all.
var forbiddenImports = map[string]string{
	"crypto/rand":   "crypto randomness (use env.Rand)",
	"hash/maphash":  "hash/maphash is randomly seeded per process",
	"os":            "real IO (use env.FS)",
	"os/exec":       "real processes",
	"io/ioutil":     "real IO (use env.FS)",
	"net":           "real network (use env.Net)",
	"net/http":      "real network (use env.Net)",
	"syscall":       "real IO",
	"unsafe":        "unsafe memory access",
	"path/filepath": "host paths and directory walks (disk.FS names are slash-separated: use path)",
	"runtime":       "the Go runtime's process-wide state (goroutines, GC, finalizers, callers)",
	"log":           "the process's standard logger (use env.Log)",
	"log/slog":      "the process's default logger (use env.Log)",
	"log/syslog":    "the host's syslog (use env.Log)",
}

// forbiddenSelectors are functions and variables core may not use, by
// import path: they read the host, write to the process's output or tune
// the runtime.
var forbiddenSelectors = map[string]map[string]string{
	"time": {
		"LoadLocation": "reads $ZONEINFO and the host's zone files (use value.LoadZone, Go's embedded database)",
		"Local":        "is the host's time zone",
	},
	"fmt": {
		"Print":   "writes to the process's stdout (use env.Log)",
		"Printf":  "writes to the process's stdout (use env.Log)",
		"Println": "writes to the process's stdout (use env.Log)",
	},
}

// debugAllowed are the only runtime/debug names core may use: a panic's
// stack, for the log.
var debugAllowed = map[string]bool{"Stack": true}

// forbiddenTime are the functions of package time that read or wait on the
// real clock.
var forbiddenTime = map[string]bool{
	"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true,
	"Tick": true, "NewTimer": true, "NewTicker": true, "AfterFunc": true,
}

// allowedRand are the math/rand names that do not touch the global source.
var allowedRand = map[string]bool{
	"New": true, "NewSource": true, "NewPCG": true, "NewChaCha8": true,
	"NewZipf": true, "Rand": true, "Source": true, "PCG": true, "ChaCha8": true, "Zipf": true,
}

// syncAllowed lists the packages that may import sync and sync/atomic:
// core/graph serves read-only snapshot transactions to other goroutines,
// DESIGN.md's one exception, and core/instance runs those reads for the
// real host (its transaction registry, shared plan cache and published
// readiness are read from those goroutines).
var syncAllowed = map[string]bool{"core/graph": true, "core/instance": true}

// CheckDir checks every non-test Go file under root (a path to core/), and
// returns the violations sorted by position. rel is how package paths are
// named relative to the module root for syncAllowed, e.g. "core".
func CheckDir(root, rel string) ([]Violation, error) {
	files := map[string][]string{} // package dir -> files
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dir := filepath.Dir(path)
			files[dir] = append(files[dir], path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dirs := make([]string, 0, len(files))
	for d := range files {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []Violation
	for _, dir := range dirs {
		sub, _ := filepath.Rel(root, dir)
		pkg := filepath.ToSlash(filepath.Join(rel, sub))
		vs, err := checkPackage(files[dir], pkg)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// CheckSource checks one file's source as if it lived in package pkg (a path
// such as "core/graph"). Tests use it to plant forbidden constructs.
func CheckSource(filename, src, pkg string) ([]Violation, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.SkipObjectResolution|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	return check(fset, []*ast.File{f}, pkg), nil
}

func checkPackage(paths []string, pkg string) ([]Violation, error) {
	sort.Strings(paths)
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, p := range paths {
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, f)
	}
	return check(fset, parsed, pkg), nil
}

// check runs every rule over the files of one package.
func check(fset *token.FileSet, files []*ast.File, pkg string) []Violation {
	c := &checker{fset: fset, pkg: pkg, pkgVars: map[string]token.Pos{}, pkgFuncs: map[string]bool{}}
	for _, f := range files {
		c.collectPackageVars(f)
	}
	for _, f := range files {
		c.checkFile(f)
	}
	sort.Slice(c.out, func(i, j int) bool {
		a, b := c.out[i].Pos, c.out[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return c.out
}

type checker struct {
	fset     *token.FileSet
	pkg      string
	pkgVars  map[string]token.Pos // package-level variables by name
	pkgFuncs map[string]bool      // package-level functions by name
	imports  map[string]string    // local name -> import path, for the current file
	locals   map[string]bool      // names declared inside the current function
	out      []Violation
}

func (c *checker) report(pos token.Pos, format string, args ...any) {
	c.out = append(c.out, Violation{Pos: c.fset.Position(pos), What: fmt.Sprintf(format, args...)})
}

// collectPackageVars records package-level variables. A variable is allowed
// only if it is blank (an interface assertion) or never written after its
// declaration; the writes are found by checkFile.
func (c *checker) collectPackageVars(f *ast.File) {
	for _, decl := range f.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil {
			c.pkgFuncs[fd.Name.Name] = true
		}
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name == "_" {
					continue
				}
				if len(vs.Values) == 0 {
					if !isEmbeddedString(gd, vs) {
						c.report(name.Pos(), "package-level variable %s without initializer is mutable state", name.Name)
					}
					continue
				}
				if i < len(vs.Values) && isSyncValue(vs.Values[i]) || isSyncType(vs.Type) {
					c.report(name.Pos(), "package-level variable %s holds synchronisation state", name.Name)
				}
				c.pkgVars[name.Name] = name.Pos()
			}
		}
	}
}

func (c *checker) checkFile(f *ast.File) {
	c.imports = map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if path == "math/rand/v2" {
			name = "rand"
		}
		if imp.Name != nil {
			name = imp.Name.Name
		}
		c.imports[name] = path
		c.checkImport(imp, path)
	}
	for _, decl := range f.Decls {
		c.locals = nil
		ast.Inspect(decl, c.visit)
	}
}

func (c *checker) checkImport(imp *ast.ImportSpec, path string) {
	if why, bad := forbiddenImports[path]; bad {
		c.report(imp.Pos(), "import %q: %s", path, why)
	}
	if strings.HasPrefix(path, "runtime/") && path != "runtime/debug" {
		c.report(imp.Pos(), "import %q: the Go runtime's process-wide state", path)
	}
	if (path == "sync" || path == "sync/atomic") && !syncAllowed[c.pkg] {
		c.report(imp.Pos(), "import %q: only core/graph and core/instance (snapshot readers off the loop) may share memory across goroutines", path)
	}
}

func (c *checker) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.GoStmt:
		c.report(n.Pos(), "go statement: core runs on its host's loop, one call at a time")
	case *ast.SelectStmt:
		c.report(n.Pos(), "select statement: channels are forbidden in core")
	case *ast.SendStmt:
		c.report(n.Pos(), "channel send: channels are forbidden in core")
	case *ast.ChanType:
		c.report(n.Pos(), "channel type: channels are forbidden in core")
	case *ast.UnaryExpr:
		c.visitUnary(n)
	case *ast.SelectorExpr:
		c.visitSelector(n)
	case *ast.AssignStmt:
		for _, lhs := range n.Lhs {
			c.checkWrite(lhs, n.Tok == token.DEFINE)
		}
	case *ast.IncDecStmt:
		c.checkWrite(n.X, false)
	case *ast.FuncDecl:
		return c.visitFunc(n)
	case *ast.CallExpr:
		if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") && !c.locals[id.Name] && !c.pkgFuncs[id.Name] {
			c.report(n.Pos(), "builtin %s writes to the process's stderr (use env.Log)", id.Name)
		}
	}
	return true
}

func (c *checker) visitUnary(n *ast.UnaryExpr) {
	switch n.Op {
	case token.ARROW:
		c.report(n.Pos(), "channel receive: channels are forbidden in core")
	case token.AND:
		if id := rootIdent(n.X); id != nil && !c.locals[id.Name] {
			if _, ok := c.pkgVars[id.Name]; ok {
				c.report(n.Pos(), "address of package-level variable %s: mutable package state", id.Name)
			}
		}
	}
}

func (c *checker) visitSelector(n *ast.SelectorExpr) {
	x, ok := n.X.(*ast.Ident)
	if !ok {
		return
	}
	path := c.imports[x.Name]
	if why, bad := forbiddenSelectors[path][n.Sel.Name]; bad {
		c.report(n.Pos(), "%s.%s %s", path, n.Sel.Name, why)
	}
	switch path {
	case "runtime/debug":
		if !debugAllowed[n.Sel.Name] {
			c.report(n.Pos(), "debug.%s tunes or reads the Go runtime's process-wide state", n.Sel.Name)
		}
	case "time":
		if forbiddenTime[n.Sel.Name] {
			c.report(n.Pos(), "time.%s reads or waits on the real clock (use env.Clock)", n.Sel.Name)
		}
	case "math/rand", "math/rand/v2":
		if !allowedRand[n.Sel.Name] {
			c.report(n.Pos(), "rand.%s uses the global random source (use env.Rand)", n.Sel.Name)
		}
	}
}

// visitFunc records the names the function declares, so that a write to a
// local that shadows a package-level variable is not taken for a write to it.
func (c *checker) visitFunc(fn *ast.FuncDecl) bool {
	c.locals = localNames(fn)
	return fn.Body != nil
}

// localNames returns every name declared inside fn: receiver, parameters,
// results, := and var declarations, including those of nested literals.
func localNames(fn *ast.FuncDecl) map[string]bool {
	names := map[string]bool{}
	addFields := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				names[n.Name] = true
			}
		}
	}
	addFields(fn.Recv)
	addFields(fn.Type.Params)
	addFields(fn.Type.Results)
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				names[id.Name] = true
			}
		case *ast.FuncLit:
			addFields(n.Type.Params)
			addFields(n.Type.Results)
		}
		return true
	})
	return names
}

// checkWrite reports an assignment whose target is rooted at a package-level
// variable. A := that declares a local of the same name is not a write.
func (c *checker) checkWrite(lhs ast.Expr, define bool) {
	if define {
		if _, ok := lhs.(*ast.Ident); ok {
			return
		}
	}
	id := rootIdent(lhs)
	if id == nil {
		return
	}
	if _, ok := c.pkgVars[id.Name]; ok && !c.locals[id.Name] {
		c.report(lhs.Pos(), "write to package-level variable %s: mutable package state", id.Name)
	}
}

// rootIdent returns the identifier an lvalue is rooted at: x in x, x.f, x[i],
// *x and (x).
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch v := e.(type) {
		case *ast.Ident:
			return v
		case *ast.SelectorExpr:
			e = v.X
		case *ast.IndexExpr:
			e = v.X
		case *ast.StarExpr:
			e = v.X
		case *ast.ParenExpr:
			e = v.X
		default:
			return nil
		}
	}
}

// isEmbeddedString reports whether vs is a //go:embed variable of type
// string: filled at build time and immutable, so not mutable state (a
// []byte one could be written).
func isEmbeddedString(gd *ast.GenDecl, vs *ast.ValueSpec) bool {
	id, ok := vs.Type.(*ast.Ident)
	if !ok || id.Name != "string" {
		return false
	}
	for _, doc := range []*ast.CommentGroup{vs.Doc, gd.Doc} {
		if doc == nil {
			continue
		}
		for _, cm := range doc.List {
			if strings.HasPrefix(cm.Text, "//go:embed ") {
				return true
			}
		}
	}
	return false
}

func isSyncValue(e ast.Expr) bool {
	if cl, ok := e.(*ast.CompositeLit); ok {
		return isSyncType(cl.Type)
	}
	return false
}

func isSyncType(t ast.Expr) bool {
	sel, ok := t.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && (x.Name == "sync" || x.Name == "atomic")
}
