// Package money reads and writes amounts of money exactly: int64 minor units, the number of
// minor digits of each ISO 4217 currency taken from golang.org/x/text/currency (CLDR's standard
// digits: JPY 0, USD 2, KWD 3), and no floating point anywhere.
package money

import (
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/rustok/rustok-admin/internal/events"
)

// Exponent returns the number of minor-unit digits of an ISO 4217 currency (JPY 0, USD 2,
// KWD 3) and whether code is an active ISO 4217 code, as listed by events.IsCurrency. Codes are
// upper case; x/text would accept "usd", the project's list does not.
//
// The digits are x/text's standard rounding scale. Active codes x/text does not know yet (MRU,
// SLE, VES, XCG, ZWG in v0.44.0) get 2, which is their ISO 4217 minor unit.
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

// ParseError is an amount that cannot be read; its message is a sentence fit to show under a
// form field.
type ParseError struct{ Msg string }

// Error returns the message.
func (e *ParseError) Error() string { return e.Msg }

// Parse reads an amount typed in major units ("19.99", "19", "0.5", "1234.567" for KWD) into
// minor units exactly. Surrounding spaces are trimmed; the rest must be ASCII digits, optionally
// followed by '.' and at least one and at most Exponent(code) digits. Signs, exponents,
// grouping, spaces inside and values past int64 are refused with a *ParseError.
func Parse(code, s string) (int64, error) {
	exp, ok := Exponent(code)
	if !ok {
		return 0, &ParseError{code + " is not an ISO 4217 currency code."}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, &ParseError{"Enter an amount."}
	}
	if s[0] == '-' {
		return 0, &ParseError{"Amounts cannot be negative."}
	}
	whole, frac, dot := strings.Cut(s, ".")
	if !digits(whole) || (dot && !digits(frac)) {
		return 0, &ParseError{"Enter an amount such as " + example(exp) + "."}
	}
	if len(frac) > exp {
		if exp == 0 {
			return 0, &ParseError{code + " has no decimal places."}
		}
		return 0, &ParseError{code + " has " + strconv.Itoa(exp) + " decimal places; " +
			s + " has " + strconv.Itoa(len(frac)) + "."}
	}
	// Only digits are left, so the only possible error is the range.
	n, err := strconv.ParseInt(whole+frac+strings.Repeat("0", exp-len(frac)), 10, 64)
	if err != nil {
		return 0, &ParseError{"That amount is too large."}
	}
	return n, nil
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// example is a well-formed amount with exp decimals, for error messages.
func example(exp int) string {
	if exp == 0 {
		return "1999"
	}
	return "19." + strings.Repeat("9", exp)
}

// Format writes minor units as a major-unit decimal for an input field: USD 1999 → "19.99",
// JPY 1999 → "1999", KWD 5 → "0.005", USD -5 → "-0.05". An unknown currency has 2 digits.
func Format(code string, minor int64) string {
	exp, ok := Exponent(code)
	if !ok {
		exp = 2
	}
	abs := uint64(minor)
	if minor < 0 {
		abs = -abs // two's complement: exact even for math.MinInt64
	}
	s := strconv.FormatUint(abs, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if minor < 0 {
		return "-" + s
	}
	return s
}

// Display is Format with the whole part grouped by thousands and the code appended, for
// reading: USD 123456789 → "1,234,567.89 USD", JPY 1000000 → "1,000,000 JPY".
func Display(code string, minor int64) string {
	s := Format(code, minor)
	var b strings.Builder
	if s[0] == '-' {
		b.WriteByte('-')
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if dot {
		b.WriteString("." + frac)
	}
	b.WriteString(" " + code)
	return b.String()
}
