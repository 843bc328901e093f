package money

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExponent(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{"JPY": 0, "USD": 2, "EUR": 2, "KWD": 3, "BHD": 3, "KRW": 0} {
		if got, ok := Exponent(code); !ok || got != want {
			t.Errorf("Exponent(%s) = %d, %v; want %d", code, got, ok, want)
		}
	}
	for _, code := range []string{"usd", "XXX", "ABC", "", "US"} {
		if _, ok := Exponent(code); ok {
			t.Errorf("Exponent(%q) accepted", code)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code, in string
		want     int64
		msg      string
	}{
		{"USD", "19.99", 1999, ""},
		{"USD", "19.9", 1990, ""},
		{"USD", "19", 1900, ""},
		{"USD", " 5 ", 500, ""},
		{"USD", "007.50", 750, ""},
		{"USD", "0", 0, ""},
		{"JPY", "100", 100, ""},
		{"KWD", "1.234", 1234, ""},
		{"JPY", "9223372036854775807", math.MaxInt64, ""},
		{"USD", "92233720368547758.07", math.MaxInt64, ""},
		{"JPY", "9223372036854775808", 0, "That amount is too large."},
		{"USD", "92233720368547758.08", 0, "That amount is too large."},
		{"USD", "99999999999999999999", 0, "That amount is too large."},
		{"USD", "19.999", 0, "USD has 2 decimal places; 19.999 has 3."},
		{"JPY", "1.5", 0, "JPY has no decimal places."},
		{"USD", "-1", 0, "Amounts cannot be negative."},
		{"USD", "", 0, "Enter an amount."},
		{"USD", "1e3", 0, "Enter an amount such as 19.99."},
		{"USD", "+1", 0, "Enter an amount such as 19.99."},
		{"USD", "1,000", 0, "Enter an amount such as 19.99."},
		{"USD", "1 000", 0, "Enter an amount such as 19.99."},
		{"USD", "19.", 0, "Enter an amount such as 19.99."},
		{"USD", ".5", 0, "Enter an amount such as 19.99."},
		{"USD", "1.2.3", 0, "Enter an amount such as 19.99."},
		{"USD", "abc", 0, "Enter an amount such as 19.99."},
		{"USD", "½", 0, "Enter an amount such as 19.99."},
		{"USD", "１２", 0, "Enter an amount such as 19.99."},
		{"KWD", "x", 0, "Enter an amount such as 19.999."},
		{"JPY", "x", 0, "Enter an amount such as 1999."},
		{"XXX", "1", 0, "XXX is not an ISO 4217 currency code."},
	} {
		got, err := Parse(c.code, c.in)
		switch {
		case c.msg == "" && (err != nil || got != c.want):
			t.Errorf("Parse(%s, %q) = %d, %v; want %d", c.code, c.in, got, err, c.want)
		case c.msg != "" && (err == nil || err.Error() != c.msg):
			t.Errorf("Parse(%s, %q) = %d, %v; want error %q", c.code, c.in, got, err, c.msg)
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
		{"USD", -5, "-0.05", "-0.05 USD"},
		{"USD", 0, "0.00", "0.00 USD"},
		{"USD", 123456789, "1234567.89", "1,234,567.89 USD"},
		{"JPY", 1000000, "1000000", "1,000,000 JPY"},
		{"KWD", 5, "0.005", "0.005 KWD"},
		{"USD", math.MinInt64, "-92233720368547758.08", "-92,233,720,368,547,758.08 USD"},
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
	r := rand.New(rand.NewPCG(1, 2))
	values := []int64{0, 1, 9, 10, 99, 100, 101, math.MaxInt64}
	for range 2000 {
		values = append(values, r.Int64N(math.MaxInt64), r.Int64N(100000))
	}
	for _, code := range []string{"USD", "JPY", "KWD"} {
		for _, v := range values {
			got, err := Parse(code, Format(code, v))
			if err != nil || got != v {
				t.Fatalf("%s %d: Format %q parses as %d, %v", code, v, Format(code, v), got, err)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"19.99", "1e3", "-1", "", "0.001", "9223372036854775807"} {
		f.Add("USD", s)
		f.Add("KWD", s)
	}
	f.Fuzz(func(t *testing.T, code, s string) {
		got, err := Parse(code, s)
		if err != nil {
			return
		}
		if back, err := Parse(code, Format(code, got)); err != nil || back != got {
			t.Fatalf("Parse(%q, %q) = %d, but its Format %q reads %d, %v", code, s, got, Format(code, got), back, err)
		}
	})
}
