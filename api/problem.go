package api

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/zhifa/zhifa/domain"
)

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Code      string            `json:"code"`
	RequestID string            `json:"request_id"`
	Errors    map[string]string `json:"errors,omitempty"`
}

var statusOf = map[domain.Code]int{
	domain.Invalid:              fiber.StatusBadRequest,
	domain.Unauthorized:         fiber.StatusUnauthorized,
	domain.Forbidden:            fiber.StatusForbidden,
	domain.NotFound:             fiber.StatusNotFound,
	domain.Conflict:             fiber.StatusConflict,
	domain.PreconditionFailed:   fiber.StatusPreconditionFailed,
	domain.PreconditionRequired: fiber.StatusPreconditionRequired,
	domain.Unprocessable:        fiber.StatusUnprocessableEntity,
	domain.TooManyRequests:      fiber.StatusTooManyRequests,
	domain.Unavailable:          fiber.StatusServiceUnavailable,
	domain.Internal:             fiber.StatusInternalServerError,
	domain.TooLarge:             fiber.StatusRequestEntityTooLarge,
	domain.UnsupportedMediaType: fiber.StatusUnsupportedMediaType,
	domain.ChecksumMismatch:     460, // tus 1.0 checksum extension
	domain.Locked:               fiber.StatusLocked,
	domain.Gone:                 fiber.StatusGone,
	domain.AccountPending:       fiber.StatusForbidden,
	domain.MustChangePassword:   fiber.StatusForbidden,
}

// codeOfStatus names the problems that fiber itself raises (unknown route, body too large, …).
var codeOfStatus = map[int]string{
	fiber.StatusBadRequest:                  "invalid",
	fiber.StatusNotFound:                    "not_found",
	fiber.StatusMethodNotAllowed:            "method_not_allowed",
	fiber.StatusRequestEntityTooLarge:       "too_large",
	fiber.StatusUnsupportedMediaType:        "unsupported_media_type",
	fiber.StatusRequestTimeout:              "timeout",
	fiber.StatusTooManyRequests:             "too_many_requests",
	fiber.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
}

// errorHandler is the one place that writes errors: problem+json, internal details logged with
// the request id and never sent.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := problem{RequestID: requestID(c)}
		early := p.RequestID == ""
		if early {
			// An error fasthttp raised before any middleware ran (a body over the limit).
			p.RequestID = domain.RandomToken(12)
			c.Set(fiber.HeaderXRequestID, p.RequestID)
		}
		setSecurityHeaders(&c.Response().Header)
		if len(c.Response().Header.Peek(fiber.HeaderCacheControl)) == 0 {
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		lang := domain.LangOf(c.Get(fiber.HeaderAcceptLanguage))
		c.Set(fiber.HeaderContentLanguage, string(lang))
		c.Vary(fiber.HeaderAcceptLanguage)
		var de *domain.Error
		var fe *fiber.Error
		said := false // the detail is in the reader's language already
		switch {
		case errors.As(err, &de) && de.Code != domain.Internal:
			p.Status, p.Code = statusOf[de.Code], string(de.Code)
			p.Detail, p.Errors = de.Localized(lang)
			said = true
			if p.Status == 0 {
				p.Status = fiber.StatusInternalServerError
			}
			if de.Code == domain.Unavailable {
				log.Warn("dependency unavailable", "request_id", p.RequestID, "error", err)
			}
		case errors.As(err, &fe):
			p.Status, p.Detail = fe.Code, fe.Message
			if early && fe.Code == fiber.StatusBadRequest {
				// fasthttp's parse errors quote the raw request, Authorization header included.
				p.Detail = "the request could not be parsed as HTTP/1.1"
			}
			p.Code = codeOfStatus[fe.Code]
			if p.Code == "" {
				p.Code = "error"
			}
		default:
			p.Status, p.Code, p.Detail = fiber.StatusInternalServerError, string(domain.Internal), "internal error"
			log.Error("internal error", "request_id", p.RequestID, "method", c.Method(), "path", c.Path(), "error", err)
		}
		if p.Status >= 500 && p.Code != string(domain.Internal) && p.Code != string(domain.Unavailable) {
			p.Detail, said = "internal error", false
		}
		p.Title = titleOf(p.Status, lang)
		if lang == domain.Chinese && !said {
			if zh := domain.Translate(p.Detail); zh != p.Detail || fe == nil {
				p.Detail = zh
			} else {
				p.Detail = p.Title // fiber's own words ("Method Not Allowed"): the status's Chinese title
			}
		}
		p.Type = "urn:zhifa:problem:" + p.Code
		switch p.Status {
		case fiber.StatusUnauthorized:
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer error="invalid_token"`)
		case fiber.StatusServiceUnavailable:
			c.Set(fiber.HeaderRetryAfter, "5")
		case fiber.StatusTooManyRequests:
			if len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
				c.Set(fiber.HeaderRetryAfter, "5")
			}
		}
		c.Status(p.Status)
		if err := c.JSON(p); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return nil
	}
}

// zhTitles are the Chinese titles of the statuses the API answers.
var zhTitles = map[int]string{
	400: "请求有误", 401: "未登录或登录已失效", 403: "无权进行此操作", 404: "未找到", 405: "不支持该请求方法",
	408: "请求超时", 409: "与现有数据冲突", 410: "已失效", 412: "数据已被修改", 413: "内容过大",
	415: "不支持的内容类型", 422: "无法处理该请求", 423: "正在处理中", 428: "需要提供版本号",
	429: "请求过于频繁", 431: "请求头过大", 460: "校验值不符", 500: "服务器内部错误", 501: "不支持该请求方法",
	503: "服务暂不可用",
}

func titleOf(status int, lang domain.Lang) string {
	if t, ok := zhTitles[status]; ok && lang == domain.Chinese {
		return t
	}
	if t := utils.StatusMessage(status); t != "" {
		return t
	}
	return "Error"
}
