package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// bindJSON decodes the request body strictly into dst: the content type must be JSON, the body
// at most 1 MiB, unknown fields and wrong JSON types are refused, and nothing may follow the value.
func bindJSON(c echo.Context, dst any) error {
	r := c.Request()
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return NewProblem(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	if len(body) > maxBody || errors.As(err, &mbe) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
		// A chunked body has no Content-Length to refuse it by: it is too large once read past the limit.
		return tooLarge()
	}
	if err != nil {
		return BadRequest("unreadable_body", "The request body could not be read.")
	}
	if p := checkJSONStrings(body); p != nil {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if dec.More() {
		return BadRequest("malformed_json", "The body holds more than one JSON value.")
	}
	return nil
}

func tooLarge() *Problem {
	return NewProblem(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is larger than 1 MiB.")
}

func decodeProblem(err error) *Problem {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed_json", "The body is not valid JSON.")
	case errors.Is(err, io.EOF):
		return BadRequest("malformed_json", "The body is empty.")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return BadRequest("invalid_type", "A field has the wrong JSON type.",
			FieldError{Field: field, Message: fmt.Sprintf("must be %s", jsonKind(typeErr.Type.Kind().String()))})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return BadRequest("unknown_field", "The body has a field this endpoint does not know.",
			FieldError{Field: name, Message: "unknown field"})
	}
	return BadRequest("malformed_json", "The body could not be decoded.")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "a number"
}

// parseQuery checks that a raw query string is properly encoded.
func parseQuery(raw string) (map[string][]string, error) { return url.ParseQuery(raw) }

// noBody accepts an empty body, or an empty JSON object (anything in it is an unknown field).
func noBody(c echo.Context) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	var empty struct{}
	return bindJSON(c, &empty)
}
