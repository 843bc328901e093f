// Package money reads and writes amounts of money exactly: int64 minor units, the number of
// minor digits of each ISO 4217 currency taken from golang.org/x/text/currency (CLDR's standard
// digits: JPY 0, USD 2, KWD 3), and no floating point anywhere.
package money

import (
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/rustok/rustok-admin/internal/events"
)

// Exponent returns the number of minor-unit digits of an active ISO 4217 currency code (upper
// case) and whether it is one. A code x/text does not know yet (it lags new codes such as XCG or
// ZWG) has 2, which is what those codes have.
func Exponent(code string) (int, bool) {
	if !events.IsCurrency(code) {
		return 0, false
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return 2, true
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, true
}

// ParseError is an amount that cannot be read; its message fits under a form field.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return e.Msg }

func example(exp int) string {
	if exp == 0 {
		return "1999"
	}
	return "19." + strings.Repeat("9", exp)
}

// Parse reads an amount typed in major units ("19.99", "19", "0.5") into minor units exactly.
// It accepts ASCII digits with at most one '.' followed by at most the currency's exponent of
// digits; signs, exponents, grouping, spaces inside and values past int64 are refused.
func Parse(code, s string) (int64, error) {
	exp, ok := Exponent(code)
	if !ok {
		return 0, &ParseError{code + " is not an ISO 4217 currency code."}
	}
	s = strings.TrimSpace(s)
	bad := &ParseError{"Enter an amount such as " + example(exp) + "."}
	switch {
	case s == "":
		return 0, &ParseError{"Enter an amount."}
	case s[0] == '-':
		return 0, &ParseError{"Amounts cannot be negative."}
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	if len(frac) > exp {
		if exp == 0 {
			return 0, &ParseError{code + " has no decimal places."}
		}
		return 0, &ParseError{code + " has " + strconv.Itoa(exp) + " decimal places; " + s + " has " + strconv.Itoa(len(frac)) + "."}
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64) // digits only: the only error is the range
	if err != nil {
		return 0, &ParseError{"That amount is too large."}
	}
	return n, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format writes minor units as a major-unit decimal for an input field: USD 1999 → "19.99",
// JPY 1999 → "1999", KWD 5 → "0.005". An unknown currency has 2 digits.
func Format(code string, minor int64) string {
	exp, ok := Exponent(code)
	if !ok {
		exp = 2
	}
	neg := minor < 0
	var abs string
	if minor == math.MinInt64 {
		abs = "9223372036854775808"
	} else {
		if neg {
			minor = -minor
		}
		abs = strconv.FormatInt(minor, 10)
	}
	if exp > 0 {
		if len(abs) <= exp {
			abs = strings.Repeat("0", exp-len(abs)+1) + abs
		}
		abs = abs[:len(abs)-exp] + "." + abs[len(abs)-exp:]
	}
	if neg {
		return "-" + abs
	}
	return abs
}

// Display is Format with thousands grouped and the code: USD 123456789 → "1,234,567.89 USD".
func Display(code string, minor int64) string {
	s := Format(code, minor)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := sign + b.String()
	if dot {
		out += "." + frac
	}
	return out + " " + code
}
