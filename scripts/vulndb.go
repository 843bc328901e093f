//go:build ignore

// vulndb turns the OSV reports that the golang.org/x/vulndb module ships (data/osv/GO-*.json)
// into a vulnerability database in the v1 layout that `govulncheck -db file:///DIR` reads:
//
//	DIR/index/db.json       {"modified": …}, the newest modification of any entry
//	DIR/index/modules.json  [{"path": …, "vulns": [{"id", "modified", "fixed"}]}], sorted by path
//	DIR/ID/GO-YYYY-NNNN.json  each OSV entry
//
// It is run by scripts/vulncheck.sh (go run scripts/vulndb.go -src … -out … -modified …) and is
// not part of the module's packages. The published database at vuln.go.dev is built from the same
// files by x/vulndb's own generator, which needs the git history for the timestamps; the module
// zip has none, so entries without a modification time get -modified (the snapshot's commit time).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry holds the OSV fields the index needs; the files are copied as they are otherwise.
type entry struct {
	ID        string     `json:"id"`
	Modified  time.Time  `json:"modified"`
	Published time.Time  `json:"published"`
	Affected  []affected `json:"affected"`
}

type affected struct {
	Package struct {
		Name string `json:"name"`
	} `json:"package"`
	Ranges []struct {
		Type   string `json:"type"`
		Events []struct {
			Introduced string `json:"introduced"`
			Fixed      string `json:"fixed"`
		} `json:"events"`
	} `json:"ranges"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

func main() {
	src := flag.String("src", "", "directory of OSV files (x/vulndb's data/osv)")
	out := flag.String("out", "", "database directory to create")
	modified := flag.String("modified", "", "RFC 3339 time for entries whose modified/published time is unset")
	flag.Parse()
	if *src == "" || *out == "" || *modified == "" {
		log.Fatal("usage: go run scripts/vulndb.go -src DIR -out DIR -modified RFC3339")
	}
	snapshot, err := time.Parse(time.RFC3339, *modified)
	if err != nil {
		log.Fatalf("-modified: %v", err)
	}
	n, err := build(*src, *out, snapshot.UTC())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("vulndb: %d entries written to %s\n", n, *out)
}

func build(src, out string, snapshot time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "GO-*.json"))
	if err != nil || len(files) == 0 {
		return 0, fmt.Errorf("no GO-*.json files in %s (%v)", src, err)
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return 0, err
	}
	modules := map[string]*module{}
	var newest time.Time
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if filepath.Base(f) != e.ID+".json" {
			return 0, fmt.Errorf("%s holds entry %q", f, e.ID)
		}
		// Only the two timestamps change; every other field is kept as published.
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(raw, &doc); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if e.Modified.IsZero() {
			e.Modified = snapshot
			doc["modified"], _ = json.Marshal(snapshot)
		}
		if e.Published.IsZero() {
			doc["published"], _ = json.Marshal(snapshot)
		}
		if err := writeJSON(filepath.Join(out, "ID", e.ID+".json"), doc); err != nil {
			return 0, err
		}
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		// An entry may name a module twice (the standard library before and after a package
		// moved): list it once, with the higher fix, or none if either block has none, so the
		// index never lets govulncheck skip a version that one of the blocks affects.
		fixes := map[string]string{}
		var order []string
		for _, a := range e.Affected {
			fix, seen := fixes[a.Package.Name]
			switch {
			case !seen:
				order = append(order, a.Package.Name)
				fix = latestFix(a)
			case fix != "":
				if f := latestFix(a); f == "" || less(fix, f) {
					fix = f
				}
			}
			fixes[a.Package.Name] = fix
		}
		for _, path := range order {
			m := modules[path]
			if m == nil {
				m = &module{Path: path}
				modules[path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: fixes[path]})
		}
	}
	list := make([]*module, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	if err := writeJSON(filepath.Join(out, "index", "modules.json"), list); err != nil {
		return 0, err
	}
	return len(files), writeJSON(filepath.Join(out, "index", "db.json"), map[string]time.Time{"modified": newest})
}

// latestFix is the fixed version that no later fix or re-introduction supersedes, or "" when
// there is none: govulncheck skips an entry for a module version at or above it without reading
// the entry, so it must never be too low. (The same rule as x/vuln's semver.NonSupersededFix.)
func latestFix(a affected) string {
	latest := ""
	for _, r := range a.Ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, ev := range r.Events {
			if ev.Fixed != "" && less(latest, ev.Fixed) {
				latest = ev.Fixed
			}
		}
		for _, ev := range r.Events {
			if ev.Introduced != "" && ev.Introduced != "0" && less(latest, ev.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// less compares OSV versions, which have no "v" prefix; "" is less than any version.
func less(a, b string) bool {
	return semver.Compare(vprefix(a), vprefix(b)) < 0
}

func vprefix(v string) string {
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
