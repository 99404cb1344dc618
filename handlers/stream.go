package handlers

import (
	"bufio"
	"time"

	"github.com/gofiber/fiber/v2"
)

// streamBody answers with a body that write produces while the response is being sent, after
// the handler has returned: downloads (case files, decisions, exports) too large to hold. It is
// the one place that touches fasthttp's request (c.Context(), which is not a context.Context and
// carries no deadline), and only while the handler runs. write gets extend, which moves the
// connection's write deadline on by d before a long part, and reads what it needs under
// contexts of its own. An error write returns is logged and cuts the connection, so the client
// sees a broken download rather than a short one; otherwise what was written is flushed.
func (h *Handlers) streamBody(c *fiber.Ctx, what string, write func(w *bufio.Writer, extend func(d time.Duration)) error) {
	// The connection is taken now: write runs on after fasthttp has let go of its request when
	// the client leaves, and the request then has no connection (a nil one: a panic that took
	// the whole server down). A closed connection only answers errors.
	fctx := c.Context()
	conn := fctx.Conn()
	fctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		extend := func(d time.Duration) {
			if conn != nil {
				_ = conn.SetWriteDeadline(time.Now().Add(d))
			}
		}
		err := write(w, extend)
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			if h.Log != nil {
				h.Log.Warn("download stopped", "what", what, "error", err.Error())
			}
			if conn != nil {
				_ = conn.Close()
			}
		}
	})
}
