package api

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/zhifa/zhifa/domain"
)

// securityHeaders sets what every response carries: no content sniffing, no framing, no
// referrer, and no caching unless the handler allowed it (most responses carry personal data).
// A handler's own Content-Security-Policy or Cache-Control replaces these.
func securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(&c.Response().Header)
	err := c.Next()
	if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return err
}

// setSecurityHeaders sets the headers every response carries; the error handler and the
// answer to unknown methods, which fasthttp may reach before any middleware, set them too.
func setSecurityHeaders(h *fasthttp.ResponseHeader) {
	for k, v := range map[string]string{
		fiber.HeaderXContentTypeOptions: "nosniff", fiber.HeaderXFrameOptions: "DENY", fiber.HeaderReferrerPolicy: "no-referrer",
		fiber.HeaderContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
	} {
		if len(h.Peek(k)) == 0 {
			h.Set(k, v)
		}
	}
}

// knownMethods are the methods fiber routes; any other is answered before routing.
var knownMethods = map[string]bool{
	fiber.MethodGet: true, fiber.MethodHead: true, fiber.MethodPost: true, fiber.MethodPut: true, fiber.MethodDelete: true,
	fiber.MethodConnect: true, fiber.MethodOptions: true, fiber.MethodTrace: true, fiber.MethodPatch: true,
}

// unknownMethods answers a method fiber does not know with problem+json, as every other error
// is answered; fiber itself would write plain text before any middleware runs.
func unknownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if knownMethods[string(ctx.Method())] {
			next(ctx)
			return
		}
		id := domain.RandomToken(12)
		lang := domain.LangOf(string(ctx.Request.Header.Peek(fiber.HeaderAcceptLanguage)))
		detail := "the method is not one this server knows"
		if lang == domain.Chinese {
			detail = domain.Translate(detail)
		}
		body, _ := json.Marshal(problem{Type: "urn:zhifa:problem:not_implemented", Title: titleOf(fiber.StatusNotImplemented, lang), Status: fiber.StatusNotImplemented,
			Detail: detail, Code: "not_implemented", RequestID: id})
		ctx.SetStatusCode(fiber.StatusNotImplemented)
		ctx.Response.Header.Set(fiber.HeaderContentType, "application/problem+json")
		ctx.Response.Header.Set(fiber.HeaderXRequestID, id)
		setSecurityHeaders(&ctx.Response.Header)
		ctx.Response.Header.Set(fiber.HeaderCacheControl, "no-store")
		ctx.SetBody(body)
	}
}
