package handlers

import (
	"bytes"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/internal/uploads"
	"github.com/rustok/rustok-admin/models"
	jobviews "github.com/rustok/rustok-admin/views/jobs"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// The import: an upload is streamed into the database as it arrives (never whole in memory,
// up to ImportMaxBytes), checked by a dry run of the import, shown with its column mapping,
// and imported by a job.

// productsImport shows the import page: the upload form.
func (a *App) productsImport(c *fiber.Ctx) error {
	return a.renderImport(c, fiber.StatusOK, productviews.Import{})
}

func (a *App) renderImport(c *fiber.Ctx, status int, im productviews.Import) error {
	t := currentTenant(c)
	im.Tenant, im.CSRF, im.MaxMB = t, a.csrfToken(c), int(a.importMaxBytes()>>20)
	im.Targets = catalogcsv.Header(t.EnabledCurrencies())
	return render(c, status, productviews.ImportPage(a.productsPage(c, "Import products", "products"), im))
}

func (a *App) importMaxBytes() int64 {
	if a.cfg.ImportMaxBytes > 0 {
		return a.cfg.ImportMaxBytes
	}
	return 50 << 20
}

// localUpload marks a request whose body screenInput left unread: the import's upload, which
// its handler streams (and checks the CSRF token of) itself.
const localUpload = "upload-stream"

// isUploadRequest reports whether a request is the import's upload, by method and path (before
// routing: screenInput decides from it not to read the body).
func isUploadRequest(method, path string) bool {
	return method == fiber.MethodPost && paths.Matches(paths.ProductsImport, path)
}

var errUploadTooLarge = errors.New("upload too large")

// uploadReadTimeout is how long an upload may take to arrive.
const uploadReadTimeout = 10 * time.Minute

// limitedReader passes on at most n bytes and then fails with errUploadTooLarge.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.n -= int64(n); l.n < 0 {
		return n, errUploadTooLarge
	}
	return n, err
}

// productsImportPost stores an uploaded CSV as it is streamed in and checks it. The form's
// first field must be the CSRF token (the csrf middleware cannot read a body it must not
// buffer); the file follows. Too large a file is a 413 with the form again; no file, an
// unusable header or a file that cannot be read, a 422 saying why.
func (a *App) productsImportPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	refuse := func(status int, msg string) error {
		c.Context().SetConnectionClose() // the rest of the body is not read
		return a.renderImport(c, status, productviews.Import{Error: msg})
	}
	limit := a.importMaxBytes()
	tooLarge := fmt.Sprintf("The file is larger than %d MB: split it into smaller files (the limit is set by IMPORT_MAX_MB).", limit>>20)
	if cl := c.Request().Header.ContentLength(); cl > int(limit)+64<<10 {
		if !a.uploadCSRF(c, c.Get(HeaderCSRF)) {
			return errStaleForm
		}
		return refuse(fiber.StatusRequestEntityTooLarge, tooLarge)
	}
	if c.Locals(localUpload) != true {
		return errFormEncoding // not multipart: screenInput read it as a form, csrf checked it
	}
	_, params, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || params["boundary"] == "" {
		return errFormEncoding
	}
	// A large file may take a while to arrive: past the server's ReadTimeout, which is for
	// headers and forms.
	uploads.ExtendReadDeadline(c.Context(), uploadReadTimeout)
	body := c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	mr := multipart.NewReader(body, params["boundary"])
	csrfOK := a.uploadCSRF(c, c.Get(HeaderCSRF))
	var upload *models.Upload
	for upload == nil {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errFormDamaged
		}
		if !storable(part.FormName(), false) {
			return unstorableMessage("A field name")
		}
		switch part.FormName() {
		case FormCSRF:
			tok, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return errFormDamaged
			}
			csrfOK = csrfOK || a.uploadCSRF(c, string(tok))
		case "file":
			if !csrfOK {
				return errStaleForm
			}
			if !storable(part.FileName(), false) {
				return unstorableMessage("The file name in “file”")
			}
			name := uploadName(part.FileName())
			if name == "" {
				if err := screenPart(part, "file"); err != nil {
					return err
				}
				continue // the file input left empty, or a field of that name
			}
			upload, err = a.store.SaveUpload(ctx(c), t.ID, &currentUser(c).ID, name, &limitedReader{r: part, n: limit})
			switch {
			case errors.Is(err, errUploadTooLarge):
				return refuse(fiber.StatusRequestEntityTooLarge, tooLarge)
			case errors.Is(err, models.ErrUploadRead):
				return errFormDamaged // the request was cut off
			case err != nil:
				return err
			}
		default:
			if err := screenPart(part, part.FormName()); err != nil {
				return err
			}
		}
	}
	if !csrfOK {
		return errStaleForm
	}
	if upload == nil || upload.Size == 0 {
		return a.renderImport(c, fiber.StatusUnprocessableEntity, productviews.Import{Error: "Choose a CSV file to check."})
	}
	if err := a.jobs.StartCheck(ctx(c), upload, nil, a.cfg.ImportMaxRows); err != nil {
		return err
	}
	return c.Redirect(productviews.UploadURL(t.Slug, upload.ID), fiber.StatusSeeOther)
}

// screenPart reads a field of the upload form that is not the file (nothing else is read from
// it) and refuses it, as screenInput refuses any field, if it holds what cannot be stored.
func screenPart(part *multipart.Part, name string) error {
	v, err := io.ReadAll(io.LimitReader(part, 1<<20))
	if err != nil {
		return errFormDamaged
	}
	if !storable(string(v), true) {
		return unstorableMessage("The field “" + name + "”")
	}
	return nil
}

// uploadCSRF reports whether sent is the session's CSRF token.
func (a *App) uploadCSRF(c *fiber.Ctx, sent string) bool {
	s, err := a.session(c)
	if err != nil || sent == "" || s.CSRF == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(sent), []byte(s.CSRF)) != 1 {
		return false
	}
	c.Locals(localCSRF, s.CSRF)
	return true
}

// uploadName is the file's base name as sent, kept to what is safe to show and store.
func uploadName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if len([]rune(name)) > 150 {
		name = string([]rune(name)[:150])
	}
	return strings.TrimSpace(name)
}

// productsImportShow shows an upload's check: its progress while the check job runs (the
// page polls), then what the file would do — or, with 422, why it cannot be read.
func (a *App) productsImportShow(c *fiber.Ctx) error {
	u, err := a.uploadByParam(c)
	if u == nil || err != nil {
		return err
	}
	im := productviews.Import{Upload: u, FileName: u.Name, AllOrNothing: c.Query("all") == "1"}
	if u.CheckState != models.UploadChecked {
		im.Checking = true
		return a.renderImport(c, fiber.StatusOK, im)
	}
	var res jobs.CheckResult
	if err := json.Unmarshal([]byte(u.CheckResult), &res); err != nil {
		return fmt.Errorf("upload %s: check result: %w", u.ID, err)
	}
	im.Check, im.Error, im.FileColumns, im.Columns, im.Unknown = res.Check, res.Error, res.FileColumns, res.Columns, res.Unknown
	if len(res.FileColumns) > 0 && res.Check == nil {
		im.Error += " Choose below how each column is read (or “Not read”) and check again."
	}
	status := fiber.StatusOK
	if res.Check == nil {
		status = fiber.StatusUnprocessableEntity
	}
	return a.renderImport(c, status, im)
}

// uploadByParam is the tenant's upload named by :upload; a gone or expired one is the upload
// form again, with 422 saying so.
func (a *App) uploadByParam(c *fiber.Ctx) (*models.Upload, error) {
	t := currentTenant(c)
	id, err := uuid.Parse(c.Params("upload"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	u, err := a.store.UploadByID(ctx(c), t.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, a.renderImport(c, fiber.StatusUnprocessableEntity, productviews.Import{Error: "That upload has expired or is not there: upload the file again."})
	}
	return u, err
}

// productsImportUpload checks an upload again with the mapping chosen on the page, or starts
// its import ("start"): a job, shown on the jobs page with its progress.
func (a *App) productsImportUpload(c *fiber.Ctx) error {
	t := currentTenant(c)
	u, err := a.uploadByParam(c)
	if u == nil || err != nil {
		return err
	}
	f := formOf(c)
	targets := catalogcsv.Header(t.EnabledCurrencies())
	var mapping []string
	for i := 0; ; i++ {
		v, ok := f.value("map." + strconv.Itoa(i))
		if !ok || i > 1000 {
			break
		}
		if v != catalogcsv.Ignore && v != "" && !slices.Contains(targets, v) {
			v = "" // not a column of this format: read it by its heading
		}
		mapping = append(mapping, v)
	}
	allOrNothing := c.FormValue("all_or_nothing") != ""
	again := productviews.UploadURL(t.Slug, u.ID)
	if allOrNothing {
		again += "?all=1"
	}
	if c.FormValue("action") != "start" {
		if err := a.jobs.StartCheck(ctx(c), u, mapping, a.cfg.ImportMaxRows); err != nil {
			return err
		}
		return c.Redirect(again, fiber.StatusSeeOther)
	}
	// The products to import: the check's count when it read the file with this mapping, else
	// counted now (no database work), which also refuses a header the mapping cannot read.
	products, checked := jobs.CheckedProducts(u, mapping)
	if !checked {
		_, err = catalogcsv.Walk(a.store.OpenUpload(ctx(c), u), catalogcsv.TenantOf(t), mapping, catalogcsv.Limits{MaxRows: a.cfg.ImportMaxRows}, 500,
			func(_ *catalogcsv.Reader, b catalogcsv.Batch) error { products += len(b.Products); return nil })
	}
	var he *catalogcsv.HeaderError
	var re *catalogcsv.ReadError
	if errors.As(err, &he) || errors.As(err, &re) {
		// The mapping cannot read the file: check it with this mapping, which says why.
		if err := a.jobs.StartCheck(ctx(c), u, mapping, a.cfg.ImportMaxRows); err != nil {
			return err
		}
		return c.Redirect(again, fiber.StatusSeeOther)
	} else if err != nil {
		return err
	}
	run, err := a.jobs.StartImport(ctx(c), jobs.ImportRequest{Tenant: t, Actor: &currentUser(c).ID, Upload: u, Mapping: mapping,
		AllOrNothing: allOrNothing, Products: products, MaxRows: a.cfg.ImportMaxRows})
	if err != nil {
		return err
	}
	return a.flashRedirect(c, "success", fmt.Sprintf("Importing %s (%d products in the file). Its progress is below; it goes on if you leave this page.", u.Name, products),
		jobviews.URL(t.Slug)+"#job-"+run.ID.String())
}

// productsImportTemplate downloads the header row for the tenant's currencies.
func (a *App) productsImportTemplate(c *fiber.Ctx) error {
	t := currentTenant(c)
	return sendCSV(c, "products-template.csv", [][]string{catalogcsv.Header(t.EnabledCurrencies())})
}

// productsImportExample downloads an example file: the header and two products.
func (a *App) productsImportExample(c *fiber.Ctx) error {
	t := currentTenant(c)
	rows := append([][]string{catalogcsv.Header(t.EnabledCurrencies())}, catalogcsv.TemplateRows(t.DefaultLocale, t.Locales, t.EnabledCurrencies())...)
	return sendCSV(c, "products-example.csv", rows)
}

func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Send(buf.Bytes())
}
