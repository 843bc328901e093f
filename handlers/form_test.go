package handlers

import (
	"bytes"
	"errors"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// encodeURLEncoded writes fields as a browser would (in order, repeated names kept).
func encodeURLEncoded(fields []formField) []byte {
	var b strings.Builder
	for i, fl := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(fl.name) + "=" + url.QueryEscape(fl.value))
	}
	return []byte(b.String())
}

// encodeMultipart writes a form as a browser would and returns its Content-Type.
func encodeMultipart(t testing.TB, f *form) (string, []byte) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, fl := range f.fields {
		if err := w.WriteField(fl.name, fl.value); err != nil {
			t.Fatalf("write field %q: %v", fl.name, err)
		}
	}
	for _, fl := range f.files {
		fw, err := w.CreateFormFile(fl.field, fl.filename)
		if err != nil {
			t.Fatalf("write file %q: %v", fl.field, err)
		}
		_, _ = fw.Write(fl.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), body.Bytes()
}

func TestParseForm(t *testing.T) {
	t.Parallel()
	fields := []formField{{"ids", "1"}, {"t.en.title", "Hello & goodbye"}, {"ids", "2"}, {"empty", ""}, {"body", "line\r\nline"}}
	mpType, mpBody := encodeMultipart(t, &form{fields: fields, files: []formFile{{field: "csv", filename: "people.csv", data: []byte("a,b\x00\xff")}}})
	for _, tc := range []struct {
		name, contentType string
		body              []byte
	}{
		{"URL-encoded", "application/x-www-form-urlencoded", encodeURLEncoded(fields)},
		{"URL-encoded in UTF-8", "application/x-www-form-urlencoded; charset=UTF-8", encodeURLEncoded(fields)},
		{"multipart", mpType, mpBody},
	} {
		t.Run(tc.name+" keeps every field in order, repeated names included", func(t *testing.T) {
			f, err := parseForm(tc.contentType, "", tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.fields, fields) {
				t.Fatalf("fields %q, want %q", f.fields, fields)
			}
			if v, _ := f.value("ids"); v != "1" {
				t.Fatalf("value(ids) = %q, want the first", v)
			}
			if f.unstorable() != "" {
				t.Fatalf("a clean form is refused: %s", f.unstorable())
			}
		})
	}
	t.Run("a file is kept as bytes and not checked as text", func(t *testing.T) {
		f, err := parseForm(mpType, "", mpBody)
		if err != nil || len(f.files) != 1 || f.files[0].filename != "people.csv" || string(f.files[0].data) != "a,b\x00\xff" {
			t.Fatalf("files %+v, %v", f, err)
		}
	})
	for _, tc := range []struct{ name, contentType, encoding, body, wantErr string }{
		{"JSON", "application/json", "", `{"a":1}`, "415"},
		{"plain text", "text/plain", "", "a=1", "415"},
		{"a body with no type", "", "", "a=1", "415"},
		{"Latin-1", "application/x-www-form-urlencoded; charset=ISO-8859-1", "", "a=1", "415"},
		{"gzip", "application/x-www-form-urlencoded", "gzip", "a=1", "415"},
		{"multipart without a boundary", "multipart/form-data", "", "a=1", "415"},
		{"a cut-off multipart body", "multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1", "400"},
		{"too many fields", "application/x-www-form-urlencoded", "", strings.Repeat("a&", maxFormFields+1), "413"},
	} {
		t.Run(tc.name+" is refused with "+tc.wantErr, func(t *testing.T) {
			_, err := parseForm(tc.contentType, tc.encoding, []byte(tc.body))
			if err == nil || !strings.Contains(errStatus(err), tc.wantErr) {
				t.Fatalf("err %v (%s), want %s", err, errStatus(err), tc.wantErr)
			}
		})
	}
	t.Run("an empty body with no type is an empty form", func(t *testing.T) {
		if f, err := parseForm("", "", nil); err != nil || len(f.fields) != 0 {
			t.Fatalf("%+v, %v", f, err)
		}
	})
}

func errStatus(err error) string {
	var fe *fiber.Error
	if !errors.As(err, &fe) {
		return "no status"
	}
	return strconv.Itoa(fe.Code)
}

func TestStorable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s                 string
		oneLine, multiple bool
	}{
		{"Привет, мир! 🎉", true, true},
		{"tab\there", true, true},
		{"two\nlines\r\n", false, true},
		{"nul\x00", false, false},
		{"escape\x1b[31m", false, false},
		{"del\x7f", false, false},
		{"bad \xff utf-8", false, false},
		{"cut \xe2\x82", false, false},
		{"C1 \u0085 is valid Unicode", true, true},
	} {
		if got := storable(tc.s, false); got != tc.oneLine {
			t.Errorf("storable(%q, single line) = %v", tc.s, got)
		}
		if got := storable(tc.s, true); got != tc.multiple {
			t.Errorf("storable(%q, multi-line) = %v", tc.s, got)
		}
	}
}

// FuzzParseForm: parsing never panics, and a form screenInput would accept reads back the same
// when encoded again in either encoding, so no field is lost, merged or reordered.
func FuzzParseForm(f *testing.F) {
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		parsed, err := parseForm(contentType, "", body)
		if err != nil || parsed.unstorable() != "" {
			return
		}
		for _, fl := range parsed.fields {
			if !storable(fl.name, false) || !storable(fl.value, true) {
				t.Fatalf("unstorable() passed %q=%q", fl.name, fl.value)
			}
		}
		again, err := parseForm("application/x-www-form-urlencoded", "", encodeURLEncoded(parsed.fields))
		if err != nil || !slices.Equal(again.fields, parsed.fields) {
			t.Fatalf("URL-encoded round trip: %q → %q (%v)", parsed.fields, fieldsOf(again), err)
		}
		mpType, mpBody := encodeMultipart(t, parsed)
		again, err = parseForm(mpType, "", mpBody)
		if err != nil || !slices.Equal(again.fields, parsed.fields) || len(again.files) != len(parsed.files) {
			t.Fatalf("multipart round trip: %q → %q (%v)", parsed.fields, fieldsOf(again), err)
		}
		for i, fl := range again.files {
			if want := parsed.files[i]; fl.field != want.field || fl.filename != want.filename || !bytes.Equal(fl.data, want.data) {
				t.Fatalf("multipart round trip: file %+v → %+v", want, fl)
			}
		}
		if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" && len(parsed.files) > 0 {
			t.Fatalf("a URL-encoded form has files: %+v", parsed.files)
		}
	})
}

func fieldsOf(f *form) []formField {
	if f == nil {
		return nil
	}
	return f.fields
}
