package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Bounds of string input, checked at the boundary before anything reaches storage.
const (
	maxQueryValue  = 1024 // bytes of one query value (a list cursor is a few hundred)
	maxQueryValues = 50   // values of one repeated query parameter
	maxPathValue   = 256  // bytes of one path value
	maxHeaderValue = 255  // bytes of a header that is stored (Idempotency-Key)
	maxJSONString  = 4096 // bytes of one JSON string (every stored text is far shorter)
)

// storedHeaders are the request headers whose values reach storage.
var storedHeaders = []string{"Idempotency-Key"}

// badText says what is wrong with a string input, or "" when it is fit to store.
func badText(v string, max int) string {
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8"
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL byte"
	case len(v) > max:
		return "is longer than " + strconv.Itoa(max) + " bytes"
	}
	return ""
}

// checkInput refuses, with a 400 naming the parameter, a query value, path value or stored
// header that is not valid UTF-8, holds a NUL byte or is too long, and a query parameter repeated
// more than maxQueryValues times: no such value reaches a handler, so none reaches PostgreSQL.
// Routes that are gone answer 404 whatever they are sent.
func (s *Server) checkInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == "" || s.access[c.Request().Method+" "+c.Path()].kind == accessGone {
			return next(c)
		}
		if err := checkQuery(c); err != nil {
			return err
		}
		q := c.QueryParams()
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if msg := badText(k, maxQueryValue); msg != "" {
				name = strconv.QuoteToASCII(k)
				return invalidParameter(FieldError{Field: name, Message: "the parameter's name " + msg})
			}
			if len(q[k]) > maxQueryValues {
				return invalidParameter(FieldError{Field: name, Message: fmt.Sprintf("is given %d times; at most %d values are accepted", len(q[k]), maxQueryValues)})
			}
			for _, v := range q[k] {
				if msg := badText(v, maxQueryValue); msg != "" {
					return invalidParameter(FieldError{Field: name, Message: msg})
				}
			}
		}
		for i, name := range c.ParamNames() {
			v := c.ParamValues()[i]
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
			if msg := badText(v, maxPathValue); msg != "" {
				return BadRequest("invalid_parameter", "The path has an invalid value.", FieldError{Field: name, Message: msg})
			}
		}
		for _, h := range storedHeaders {
			for _, v := range c.Request().Header.Values(h) {
				if msg := badText(v, maxHeaderValue); msg != "" {
					return BadRequest("invalid_header", "A request header is invalid.", FieldError{Field: h, Message: msg})
				}
			}
		}
		return next(c)
	}
}

// checkJSONStrings refuses a body whose strings (keys or values) are not valid UTF-8, hold a NUL
// or are longer than maxJSONString, naming the field. raw is the body as received: the decoder
// replaces invalid UTF-8 by U+FFFD, so a string holding U+FFFD is the culprit only when raw is
// not valid UTF-8.
func checkJSONStrings(raw []byte) *Problem {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil // the typed decode reports it
	}
	invalid := !utf8.Valid(raw)
	field, msg := walkStrings(v, "", invalid)
	if msg == "" && invalid {
		field, msg = "(body)", "is not valid UTF-8"
	}
	if msg == "" {
		return nil
	}
	if field == "" {
		field = "(body)"
	}
	return BadRequest("invalid_string", "A field's text is not valid.", FieldError{Field: field, Message: msg})
}

func walkStrings(v any, path string, invalid bool) (string, string) {
	check := func(s, at string) (string, string) {
		switch {
		case invalid && strings.ContainsRune(s, utf8.RuneError):
			return at, "is not valid UTF-8"
		case strings.IndexByte(s, 0) >= 0:
			return at, "contains a NUL byte"
		case len(s) > maxJSONString:
			return at, "is longer than " + strconv.Itoa(maxJSONString) + " bytes"
		}
		return "", ""
	}
	switch t := v.(type) {
	case string:
		return check(t, path)
	case []any:
		for i, e := range t {
			if f, m := walkStrings(e, path+"["+strconv.Itoa(i)+"]", invalid); m != "" {
				return f, m
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			at := k
			if path != "" {
				at = path + "." + k
			}
			if f, m := check(k, at); m != "" {
				return strconv.QuoteToASCII(f), "the field's name " + m
			}
			if f, m := walkStrings(t[k], at, invalid); m != "" {
				return f, m
			}
		}
	}
	return "", ""
}
