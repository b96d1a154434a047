package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// jsonWithETag renders v with a weak ETag over its bytes and answers 304 when the client already
// holds that representation.
func jsonWithETag(c echo.Context, status int, v any) error {
	return jsonWithETagOf(c, status, v, nil)
}

// jsonWithETagOf renders v with an ETag computed over tagged (over v itself when tagged is nil).
func jsonWithETagOf(c echo.Context, status int, v, tagged any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tagBytes := body
	if tagged != nil {
		if tagBytes, err = json.Marshal(tagged); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(tagBytes)
	etag := `W/"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if etagMatches(c.Request().Header.Get("If-None-Match"), etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(status, echo.MIMEApplicationJSON, body)
}

// etagMatches applies If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, candidate := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == want {
			return true
		}
	}
	return false
}
