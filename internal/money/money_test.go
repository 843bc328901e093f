package money

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestExponent(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code string
		want int
		ok   bool
	}{
		// x/text agrees with ISO 4217's minor units for all of these, so none is special-cased.
		{"JPY", 0, true},
		{"USD", 2, true},
		{"EUR", 2, true},
		{"KWD", 3, true},
		{"BHD", 3, true},
		{"CLP", 0, true},
		{"KRW", 0, true},
		// Active codes x/text v0.44.0 does not know: the fallback.
		{"XCG", 2, true},
		{"ZWG", 2, true},
		{"SLE", 2, true},
		// Refused: lower case (x/text alone would take it), XXX (no currency), unknown, malformed.
		{"usd", 0, false},
		{"Usd", 0, false},
		{"XXX", 0, false},
		{"ABC", 0, false},
		{"", 0, false},
		{"US", 0, false},
		{"USDX", 0, false},
	} {
		if got, ok := Exponent(c.code); got != c.want || ok != c.ok {
			t.Errorf("Exponent(%q) = %d, %v; want %d, %v", c.code, got, ok, c.want, c.ok)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	const (
		tooLarge = "That amount is too large."
		usdBad   = "Enter an amount such as 19.99."
	)
	for _, c := range []struct {
		code, in string
		want     int64
		msg      string // empty: must succeed with want
	}{
		{"USD", "19.99", 1999, ""},
		{"USD", "19.9", 1990, ""},
		{"USD", "19", 1900, ""},
		{"USD", "0.5", 50, ""},
		{"USD", "0", 0, ""},
		{"USD", "0.00", 0, ""},
		{"USD", " 5 ", 500, ""},
		{"USD", "\t5\n", 500, ""},
		{"USD", "007.50", 750, ""},
		{"EUR", "1234.56", 123456, ""},
		{"JPY", "100", 100, ""},
		{"JPY", "0100", 100, ""},
		{"KWD", "1234.567", 1234567, ""},
		{"KWD", "0.5", 500, ""},
		{"KWD", "0.005", 5, ""},
		{"JPY", "9223372036854775807", math.MaxInt64, ""},
		{"USD", "92233720368547758.07", math.MaxInt64, ""},
		{"KWD", "9223372036854775.807", math.MaxInt64, ""},
		{"JPY", "00009223372036854775807", math.MaxInt64, ""},

		{"JPY", "9223372036854775808", 0, tooLarge},
		{"USD", "92233720368547758.08", 0, tooLarge},
		{"USD", "92233720368547758.1", 0, tooLarge},
		{"KWD", "9223372036854775.808", 0, tooLarge},
		{"USD", "99999999999999999999", 0, tooLarge},
		{"USD", "19.999", 0, "USD has 2 decimal places; 19.999 has 3."},
		{"USD", " 1.000 ", 0, "USD has 2 decimal places; 1.000 has 3."},
		{"KWD", "1.2345", 0, "KWD has 3 decimal places; 1.2345 has 4."},
		{"JPY", "1.5", 0, "JPY has no decimal places."},
		{"JPY", "1.0", 0, "JPY has no decimal places."},
		{"USD", "", 0, "Enter an amount."},
		{"USD", "   ", 0, "Enter an amount."},
		{"USD", "-1", 0, "Amounts cannot be negative."},
		{"USD", " -0.5", 0, "Amounts cannot be negative."},
		{"USD", "+1", 0, usdBad},
		{"USD", "1e3", 0, usdBad},
		{"USD", "1E3", 0, usdBad},
		{"USD", "1,000", 0, usdBad},
		{"USD", "19,99", 0, usdBad},
		{"USD", "1 000", 0, usdBad},
		{"USD", "19.", 0, usdBad},
		{"USD", ".5", 0, usdBad},
		{"USD", ".", 0, usdBad},
		{"USD", "1.2.3", 0, usdBad},
		{"USD", "abc", 0, usdBad},
		{"USD", "$5", 0, usdBad},
		{"USD", "5 USD", 0, usdBad},
		{"USD", "0x10", 0, usdBad},
		{"USD", "½", 0, usdBad},
		{"USD", "１２", 0, usdBad},    // full-width digits
		{"USD", "١٢", 0, usdBad},    // Arabic-Indic digits
		{"USD", "1\x00", 0, usdBad}, // NUL
		{"KWD", "x", 0, "Enter an amount such as 19.999."},
		{"JPY", "x", 0, "Enter an amount such as 1999."},
		{"XXX", "1", 0, "XXX is not an ISO 4217 currency code."},
		{"ABC", "1", 0, "ABC is not an ISO 4217 currency code."},
		{"usd", "1", 0, "usd is not an ISO 4217 currency code."},
	} {
		got, err := Parse(c.code, c.in)
		if c.msg == "" {
			if err != nil || got != c.want {
				t.Errorf("Parse(%s, %q) = %d, %v; want %d", c.code, c.in, got, err, c.want)
			}
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Error() != c.msg || got != 0 {
			t.Errorf("Parse(%s, %q) = %d, %v; want *ParseError %q", c.code, c.in, got, err, c.msg)
		}
	}
}

func TestFormatAndDisplay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code          string
		minor         int64
		format, shown string
	}{
		{"USD", 1999, "19.99", "19.99 USD"},
		{"USD", 5, "0.05", "0.05 USD"},
		{"USD", 50, "0.50", "0.50 USD"},
		{"USD", 100, "1.00", "1.00 USD"},
		{"USD", -5, "-0.05", "-0.05 USD"},
		{"USD", 0, "0.00", "0.00 USD"},
		{"USD", 123456, "1234.56", "1,234.56 USD"},
		{"USD", -123456, "-1234.56", "-1,234.56 USD"},
		{"USD", 123456789, "1234567.89", "1,234,567.89 USD"},
		{"USD", 12345678, "123456.78", "123,456.78 USD"},
		{"JPY", 1999, "1999", "1,999 JPY"},
		{"JPY", 999, "999", "999 JPY"},
		{"JPY", 1000000, "1000000", "1,000,000 JPY"},
		{"JPY", -1000, "-1000", "-1,000 JPY"},
		{"JPY", 0, "0", "0 JPY"},
		{"KWD", 5, "0.005", "0.005 KWD"},
		{"KWD", 1234567, "1234.567", "1,234.567 KWD"},
		{"XCG", 1999, "19.99", "19.99 XCG"}, // unknown to x/text
		{"ABC", 1999, "19.99", "19.99 ABC"}, // unknown currency: 2 digits
		{"USD", math.MaxInt64, "92233720368547758.07", "92,233,720,368,547,758.07 USD"},
		{"USD", math.MinInt64, "-92233720368547758.08", "-92,233,720,368,547,758.08 USD"},
		{"JPY", math.MinInt64, "-9223372036854775808", "-9,223,372,036,854,775,808 JPY"},
		{"KWD", math.MinInt64 + 1, "-9223372036854775.807", "-9,223,372,036,854,775.807 KWD"},
	} {
		if got := Format(c.code, c.minor); got != c.format {
			t.Errorf("Format(%s, %d) = %q, want %q", c.code, c.minor, got, c.format)
		}
		if got := Display(c.code, c.minor); got != c.shown {
			t.Errorf("Display(%s, %d) = %q, want %q", c.code, c.minor, got, c.shown)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	values := []int64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 1001, math.MaxInt64, math.MaxInt64 - 1}
	r := rand.New(rand.NewPCG(4217, 1999)) // fixed seed: failures reproduce
	for range 5000 {
		values = append(values, r.Int64(), r.Int64N(1_000_000))
	}
	for _, code := range []string{"USD", "JPY", "KWD"} {
		for _, v := range values {
			if v < 0 {
				continue // Parse refuses negatives by design
			}
			s := Format(code, v)
			if got, err := Parse(code, s); err != nil || got != v {
				t.Fatalf("%s %d: Format gives %q, which parses as %d, %v", code, v, s, got, err)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"19.99", "19", "0.5", "007.50", " 5 ", "1e3", "-1", "+1", "", ".5", "19.", "1,000",
		"0.001", "9223372036854775807", "9223372036854775808", "92233720368547758.07", "½", "１２",
	} {
		for _, code := range []string{"USD", "JPY", "KWD"} {
			f.Add(code, s)
		}
	}
	f.Fuzz(func(t *testing.T, code, s string) {
		got, err := Parse(code, s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Msg == "" || got != 0 {
				t.Fatalf("Parse(%q, %q) = %d, %v; want 0 and a *ParseError with a message", code, s, got, err)
			}
			return
		}
		// Independent of Format: only digits and at most one dot can have been read.
		if body := strings.TrimSpace(s); strings.Trim(body, "0123456789.") != "" || strings.Count(body, ".") > 1 {
			t.Fatalf("Parse(%q, %q) accepted more than digits and a dot", code, s)
		}
		if got < 0 {
			t.Fatalf("Parse(%q, %q) = %d, a negative amount", code, s, got)
		}
		if back, err := Parse(code, Format(code, got)); err != nil || back != got {
			t.Fatalf("Parse(%q, %q) = %d, but its Format %q reads %d, %v", code, s, got, Format(code, got), back, err)
		}
	})
}
