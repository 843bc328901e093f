package handlers

import (
	"fmt"
	"strconv"
	"strings"
)

// parsePaging reads a list's page and per_page query values (as typed; "" means the default,
// returned as 0) and says what is wrong with a link that cannot be used. Every paginated list
// reads them through here, with its own largest page size.
func parsePaging(rawPage, rawPerPage string, maxPerPage int) (page, perPage int, msg string) {
	if raw := strings.TrimSpace(rawPage); raw != "" {
		if n, err := strconv.Atoi(raw); err != nil || n < 1 {
			msg = "This page link is broken. Start again from the first page."
		} else {
			page = n
		}
	}
	if raw := strings.TrimSpace(rawPerPage); raw != "" {
		if n, err := strconv.Atoi(raw); err != nil || n < 1 || n > maxPerPage {
			msg = fmt.Sprintf("The page size must be a number from 1 to %d.", maxPerPage)
		} else {
			perPage = n
		}
	}
	return page, perPage, msg
}
