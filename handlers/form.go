package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// localForm keeps the request's parsed form in fiber.Ctx.Locals.
const localForm = "form"

// maxFormFields bounds the fields of one form (a bulk action sends at most a few hundred), so a
// body of "a&a&a…" within the size limit cannot make millions of them.
const maxFormFields = 10_000

// Refusals of a body that is not a form this server can read. Each says what to do next.
var (
	errFormEncoding = fiber.NewError(fiber.StatusUnsupportedMediaType,
		"The server cannot read what was sent: a form must be sent as application/x-www-form-urlencoded or multipart/form-data, in UTF-8 and uncompressed. Reload the page and try again.")
	errFormDamaged = fiber.NewError(fiber.StatusBadRequest,
		"The form could not be read: it arrived cut off or damaged. Reload the page and try again.")
	errFormTooLarge = fiber.NewError(fiber.StatusRequestEntityTooLarge,
		"The form has too many fields. Send fewer items at a time.")
)

// bodyLimit bounds a request body (the import's upload has its own limit, IMPORT_MAX_MB).
const bodyLimit = 4 << 20

var errBodyTooLarge = fiber.NewError(fiber.StatusRequestEntityTooLarge, "What was sent is larger than 4 MB. Send less at a time.")

// formField is one submitted field, as sent.
type formField struct{ name, value string }

// formFile is one file of a multipart form. Its content is bytes, not text: it is not checked
// like the fields, only its field and file names are.
type formFile struct {
	field, filename, contentType string
	data                         []byte
}

// form is what a request's body submitted, read once for both form encodings, with the fields in
// the order sent and repeated names kept. screenInput parses it for every request with a body;
// handlers read it through c.FormValue (first value of a name, see formValue) or formOf(c).
type form struct {
	fields []formField
	files  []formFile
}

// parseForm reads a request body of the given Content-Type and Content-Encoding headers. An
// empty body with no Content-Type is an empty form; anything that is not an uncompressed
// URL-encoded or multipart form in UTF-8 is refused with 415, never read as an empty form.
func parseForm(contentType, contentEncoding string, body []byte) (*form, error) {
	if ce := strings.TrimSpace(contentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, errFormEncoding
	}
	if strings.TrimSpace(contentType) == "" {
		if len(body) == 0 {
			return &form{}, nil
		}
		return nil, errFormEncoding
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, errFormEncoding
	}
	if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, errFormEncoding
	}
	switch mediaType {
	case "application/x-www-form-urlencoded":
		return parseURLEncoded(body)
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, errFormEncoding
		}
		if len(body) == 0 {
			return &form{}, nil
		}
		return parseMultipart(body, params["boundary"])
	}
	return nil, errFormEncoding
}

// parseURLEncoded decodes the body as fasthttp decodes query strings, so a form field and a
// query parameter are read the same way.
func parseURLEncoded(body []byte) (*form, error) {
	args := fasthttp.AcquireArgs()
	defer fasthttp.ReleaseArgs(args)
	args.ParseBytes(body)
	if args.Len() > maxFormFields {
		return nil, errFormTooLarge
	}
	f := &form{fields: make([]formField, 0, args.Len())}
	nameless := false
	args.VisitAll(func(k, v []byte) {
		nameless = nameless || len(k) == 0
		f.fields = append(f.fields, formField{name: string(k), value: string(v)}) // copies: args is reused
	})
	if nameless {
		return nil, errFormDamaged // as in a multipart form: no browser sends a value without a name
	}
	return f, nil
}

func parseMultipart(body []byte, boundary string) (*form, error) {
	f := &form{}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, errFormDamaged
		}
		name := part.FormName()
		if name == "" {
			return nil, errFormDamaged // a part that is not a form field: nothing to file it under
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, errFormDamaged
		}
		if len(f.fields)+len(f.files) >= maxFormFields {
			return nil, errFormTooLarge
		}
		if filename := part.FileName(); filename != "" {
			f.files = append(f.files, formFile{field: name, filename: filename, contentType: part.Header.Get("Content-Type"), data: data})
		} else {
			f.fields = append(f.fields, formField{name: name, value: string(data)})
		}
	}
}

// value returns the first value sent for name.
func (f *form) value(name string) (string, bool) {
	for _, fl := range f.fields {
		if fl.name == name {
			return fl.value, true
		}
	}
	return "", false
}

// visitAll calls fn for every field in the order sent, repeated names included.
func (f *form) visitAll(fn func(name, value string)) {
	for _, fl := range f.fields {
		fn(fl.name, fl.value)
	}
}

// unstorable says which part of the form holds text that cannot be stored, or "" when all of
// it can. Values may span lines; names may not.
func (f *form) unstorable() string {
	for _, fl := range f.fields {
		if !storable(fl.name, false) {
			return "A field name"
		}
		if !storable(fl.value, true) {
			return "The field “" + fl.name + "”"
		}
	}
	for _, fl := range f.files {
		if !storable(fl.field, false) {
			return "A field name"
		}
		if !storable(fl.filename, false) {
			return "The file name in “" + fl.field + "”"
		}
	}
	return ""
}

// formOf returns the request's form; a request without a body has an empty one.
func formOf(c *fiber.Ctx) *form {
	if f, ok := c.Locals(localForm).(*form); ok {
		return f
	}
	return &form{}
}

// formValue is the server's FormValueFunc: c.FormValue in every handler (and in the CSRF
// middleware) reads the first value of the one parsed form, whichever encoding it came in. It
// reads the body only — not the query string, which handlers read with c.Query.
func formValue(rc *fasthttp.RequestCtx, name string) []byte {
	f, ok := rc.UserValue(localForm).(*form)
	if !ok {
		return nil
	}
	v, ok := f.value(name)
	if !ok {
		return nil
	}
	return []byte(v)
}

// storable reports whether s can be stored and shown as text: valid UTF-8 (PostgreSQL refuses
// anything else) with no NUL (PostgreSQL refuses it in text) and no other ASCII control
// character (C0 and DEL: nothing a person types, and invisible or worse in a page, a log line or
// a terminal) except tab, and — when multiLine — line feed and carriage return.
func storable(s string, multiLine bool) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b != 0x7f {
			continue
		}
		if b == '\t' || (multiLine && (b == '\n' || b == '\r')) {
			continue
		}
		return false
	}
	return utf8.ValidString(s)
}

// unstorableMessage is the 422 a refused request gets; where names the part ("The field “q”").
func unstorableMessage(where string) error {
	return fiber.NewError(fiber.StatusUnprocessableEntity, where+" contains characters that cannot be stored "+
		"(a NUL byte, an invisible control character or invalid UTF-8). Remove them and try again.")
}

// screenInput is the one place hostile text is refused, for every route, before CSRF, sessions
// or any handler see it: headers must be clean (screenHeaders: else 400), the path (and so every
// route parameter) and every query parameter must be storable single-line text, and a body must
// be a form this server reads (parseForm: else 415) whose fields are storable text (else 422).
// The parsed form is kept for the handlers.
func screenInput(c *fiber.Ctx) error {
	rc := c.Context()
	if rc.Request.IsBodyStream() {
		// Bodies are streamed (StreamRequestBody), so that the import's upload can be; fasthttp
		// has then read only the start of a body. The upload's is left to its handler, on a
		// connection closed after the answer; every other is read here, first, whatever the
		// method and whatever is refused next, up to the limit. Either way no byte of a body is
		// ever read as the next request on the connection.
		if isUploadRequest(c.Method(), string(rc.URI().PathOriginal())) && isUploadRequest(c.Method(), string(rc.URI().Path())) &&
			strings.HasPrefix(strings.ToLower(string(rc.Request.Header.ContentType())), "multipart/form-data") {
			rc.SetConnectionClose()
			c.Locals(localUpload, true)
		} else {
			data, err := io.ReadAll(io.LimitReader(rc.RequestBodyStream(), bodyLimit+1))
			if err != nil {
				rc.SetConnectionClose()
				return errFormDamaged
			}
			if len(data) > bodyLimit {
				rc.SetConnectionClose()
				return errBodyTooLarge
			}
			rc.Request.SetBody(data)
		}
	}
	if err := screenHeaders(rc); err != nil {
		return err
	}
	if !storable(string(rc.URI().PathOriginal()), false) || !storable(string(rc.URI().Path()), false) {
		return unstorableMessage("The address")
	}
	where := ""
	rc.QueryArgs().VisitAll(func(k, v []byte) {
		switch {
		case where != "":
		case !storable(string(k), false):
			where = "A parameter name in the address"
		case !storable(string(v), false):
			where = "The address parameter “" + string(k) + "”"
		}
	})
	if where != "" {
		return unstorableMessage(where)
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead || c.Locals(localUpload) == true {
		return c.Next()
	}
	f, err := parseForm(string(rc.Request.Header.ContentType()), string(rc.Request.Header.Peek(fiber.HeaderContentEncoding)), rc.Request.Body())
	if err != nil {
		return err
	}
	if where := f.unstorable(); where != "" {
		return unstorableMessage(where)
	}
	c.Locals(localForm, f)
	return c.Next()
}

// lookupHeaders are the request headers whose values are looked up in the database (the tenant
// a request names, by id, slug or host name), so they must be storable text as well.
var lookupHeaders = []string{fiber.HeaderHost, HeaderTenantID, fiber.HeaderXForwardedHost}

// screenHeaders refuses with 400 a header value holding a NUL or another control character
// other than tab (HTTP allows none; the user agent is written into events), and a lookup header
// that is not valid UTF-8. Other bytes above ASCII are left alone: HTTP allows them.
func screenHeaders(rc *fasthttp.RequestCtx) error {
	bad := ""
	rc.Request.Header.VisitAll(func(k, v []byte) {
		if bad == "" && !storable(strings.ToValidUTF8(string(v), ""), false) {
			bad = string(k)
		}
	})
	for _, h := range lookupHeaders {
		if bad == "" && !storable(string(rc.Request.Header.Peek(h)), false) {
			bad = h
		}
	}
	if bad == "" {
		return nil
	}
	which := "The request header “" + bad + "”"
	if !storable(bad, false) {
		which = "A request header"
	}
	return fiber.NewError(fiber.StatusBadRequest, which+" holds characters that are not allowed (a NUL byte, a control character or, in a host or tenant name, invalid UTF-8). The browser or tool that sent it is misbehaving.")
}

// file returns the first file sent under the field name.
func (f *form) file(name string) (*formFile, bool) {
	for i := range f.files {
		if f.files[i].field == name {
			return &f.files[i], true
		}
	}
	return nil, false
}
