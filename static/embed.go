// Package static embeds the built front-end assets (Tailwind CSS, vendored htmx, icons) so the
// binary serves them with no Node toolchain. `make css` rebuilds app.css; CI checks it is current.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

// FS holds the assets served under /static/.
//
//go:embed app.css htmx.min.js app.js theme.js favicon.svg
var FS embed.FS

var versions = map[string]string{}

func init() {
	_ = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := FS.ReadFile(path)
		sum := sha256.Sum256(b)
		versions[path] = hex.EncodeToString(sum[:4])
		return nil
	})
}

// Path returns the URL of an asset with its content hash, so browsers may cache it for a year.
func Path(name string) string {
	return "/static/" + name + "?v=" + versions[name]
}
