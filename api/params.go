package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/cursor"
	"github.com/tenantatlas/operations/pkg/directory"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// pathTenant is the tenant the path names, resolved and authorised by loadTenant.
func pathTenant(c echo.Context) tenancy.Tenant { return c.Get(ctxTenant).(tenancy.Tenant) }

// invalidParameter is the 400 of query parameters that are not valid.
func invalidParameter(fields ...FieldError) *Problem {
	return BadRequest("invalid_parameter", "A query parameter is invalid.", fields...)
}

// checkQuery refuses a badly encoded query string.
func checkQuery(c echo.Context) error {
	if _, err := parseQuery(c.Request().URL.RawQuery); err != nil {
		return BadRequest("malformed_query", "The query string is not properly encoded.")
	}
	return nil
}

// unknownParams names every query parameter of q that is not allowed.
func unknownParams(q url.Values, allowed ...string) []FieldError {
	var errs []FieldError
	for k := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			errs = append(errs, FieldError{Field: k, Message: "unknown parameter"})
		}
	}
	return errs
}

// onlyParams refuses query parameters the endpoint does not know, and a badly encoded query.
func onlyParams(c echo.Context, allowed ...string) error {
	if err := checkQuery(c); err != nil {
		return err
	}
	if errs := unknownParams(c.QueryParams(), allowed...); len(errs) > 0 {
		return invalidParameter(errs...)
	}
	return nil
}

// limitParam reads limit (1..200, default 50).
func limitParam(c echo.Context) (int, error) {
	v := c.QueryParam("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, invalidParameter(FieldError{Field: "limit", Message: "must be an integer from 1 to 200"})
	}
	return n, nil
}

// boolParam reads an optional true|false query parameter (default false).
func boolParam(c echo.Context, name string) (bool, error) {
	switch c.QueryParam(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, invalidParameter(FieldError{Field: name, Message: "must be true or false"})
}

// posIntParam reads an optional positive integer query parameter (nil when absent).
func posIntParam(c echo.Context, name string) (*int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return nil, invalidParameter(FieldError{Field: name, Message: "must be a positive integer"})
	}
	return &n, nil
}

func badCursor() error {
	return invalidParameter(FieldError{Field: "cursor", Message: "is not a cursor this API issued"})
}

// pagedList names a paged list and the type of its cursor: the position of a page's last row,
// which the next page starts after. A cursor is sealed for its list (and the path's tenant, for
// a tenant's list) and opens in no other.
type pagedList[C any] struct{ name string }

// The paged lists.
var (
	runList            = pagedList[operations.Cursor]{"operation_runs"}
	inventoryItemList  = pagedList[inventory.ItemCursor]{"inventory_items"}
	groupList          = pagedList[directory.GroupCursor]{"directory_groups"}
	findingList        = pagedList[drift.FindingCursor]{"findings"}
	backupScheduleList = pagedList[backup.ScheduleCursor]{"backup_schedules"}
	backupSetList      = pagedList[backup.SetCursor]{"backup_sets"}
	notificationList   = pagedList[notify.Cursor]{"notifications"}
)

// scope is what the list's cursors are bound to: its name, and the path's tenant if there is one.
func (l pagedList[C]) scope(c echo.Context) string {
	if t, ok := c.Get(ctxTenant).(tenancy.Tenant); ok {
		return l.name + "/tenant/" + strconv.FormatInt(t.ID, 10)
	}
	return l.name
}

// after reads the cursor parameter: nil for the first page. A cursor this API did not issue for
// this list (malformed, altered, another list's) is the 400 naming cursor.
func (l pagedList[C]) after(c echo.Context, codec *cursor.Codec) (*C, error) {
	v := c.QueryParam("cursor")
	if v == "" {
		return nil, nil
	}
	var cur C
	if err := codec.Decode(l.scope(c), v, &cur); err != nil {
		return nil, badCursor()
	}
	return &cur, nil
}

// pageJSON is the body of a page.
type pageJSON[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// pageOptions adjust what writePage answers.
type pageOptions struct {
	members map[string]any
	noETag  bool
}

type pageOption func(*pageOptions)

// withMember adds a member beside data and next_cursor (for example a list's unread count).
func withMember(name string, v any) pageOption {
	return func(o *pageOptions) {
		if o.members == nil {
			o.members = map[string]any{}
		}
		o.members[name] = v
	}
}

// withoutETag answers without an ETag, for a list whose contract declares none.
func withoutETag(o *pageOptions) { o.noETag = true }

// writePage answers 200 with one page of list: items as data; next (nil on the last page) sealed
// as next_cursor and in a Link: <…>; rel="next" header that keeps the request's other query
// parameters; and a weak ETag over the body, so that If-None-Match gets a 304.
func writePage[T, C any](c echo.Context, codec *cursor.Codec, list pagedList[C], items []T, next *C, opts ...pageOption) error {
	var o pageOptions
	for _, opt := range opts {
		opt(&o)
	}
	if items == nil {
		items = []T{}
	}
	page := pageJSON[T]{Data: items}
	if next != nil {
		s, err := codec.Encode(list.scope(c), next)
		if err != nil {
			return err
		}
		page.NextCursor = &s
		q := c.Request().URL.Query()
		q.Set("cursor", s)
		c.Response().Header().Set("Link", "<"+c.Request().URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	var body any = page
	if o.members != nil {
		m := map[string]any{"data": page.Data, "next_cursor": page.NextCursor}
		for k, v := range o.members {
			m[k] = v
		}
		body = m
	}
	if o.noETag {
		return c.JSON(http.StatusOK, body)
	}
	return jsonWithETag(c, http.StatusOK, body)
}
