package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

// ifMatch refuses a write whose If-Match header names another version than the stored one.
// Versions are sent as ETags ("3"). PUT and PATCH, which replace what the client last read,
// must send it (428 without); a POST action of an offline phone may leave it out, and the
// store's version check still catches a concurrent write.
func ifMatch(c *fiber.Ctx, version int64) error {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" && (c.Method() == fiber.MethodPut || c.Method() == fiber.MethodPatch) {
		return domain.Errorf(domain.PreconditionRequired, "send If-Match with the version you are changing (its ETag, now %s)", etag(version))
	}
	if h == "" || h == "*" {
		return nil
	}
	want := `"` + strconv.FormatInt(version, 10) + `"`
	for _, tag := range strings.Split(h, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == want {
			return nil
		}
	}
	return domain.Errorf(domain.PreconditionFailed, "the object has changed (now version %d); reload and retry", version)
}
