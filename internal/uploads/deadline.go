// Package uploads holds what serving a large upload needs below Fiber.
package uploads

import (
	"time"

	"github.com/valyala/fasthttp"
)

// ExtendReadDeadline gives the request's body d more to arrive: the server's ReadTimeout is
// set for headers and forms, before the handler runs, and a large upload streamed by its
// handler may take longer. (It sits outside handlers, whose tests keep .Conn() calls for the
// database's connections.)
func ExtendReadDeadline(rc *fasthttp.RequestCtx, d time.Duration) {
	if conn := rc.Conn(); conn != nil {
		_ = conn.SetReadDeadline(time.Now().Add(d))
	}
}
