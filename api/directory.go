package api

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/directory"
	"github.com/tenantatlas/operations/pkg/operations"
)

// startGroupSync starts (or reuses) the tenant's Entra group sync.
func (s *Server) startGroupSync(c echo.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	identity := map[string]any{"selection": "groups_v1_all"}
	return s.startRun(c, operations.TypeEntraGroupSync, identity, map[string]any{"selection_key": "groups_v1_all"})
}

type groupJSON struct {
	ID                     int64      `json:"id"`
	EntraGroupID           string     `json:"entra_group_id"`
	DisplayName            string     `json:"display_name"`
	GroupType              string     `json:"group_type"`
	SecurityEnabled        bool       `json:"security_enabled"`
	MailEnabled            bool       `json:"mail_enabled"`
	LastSeenAt             *time.Time `json:"last_seen_at"`
	LastSeenOperationRunID *int64     `json:"last_seen_operation_run_id"`
	Stale                  bool       `json:"stale"`
}

func (s *Server) listGroups(c echo.Context) error {
	if err := onlyParams(c, "q", "group_type", "stale", "limit", "cursor"); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f := directory.GroupFilter{Search: q.Get("q"), GroupType: q.Get("group_type")}
	switch f.GroupType {
	case "", "Security", "Microsoft365", "Unknown":
	default:
		return invalidParameter(FieldError{Field: "group_type", Message: "must be Security, Microsoft365 or Unknown"})
	}
	switch q.Get("stale") {
	case "":
	case "true", "false":
		v := q.Get("stale") == "true"
		f.Stale = &v
	default:
		return invalidParameter(FieldError{Field: "stale", Message: "must be true or false"})
	}
	after, err := groupList.after(c, s.cursors)
	if err != nil {
		return err
	}
	now := time.Now()
	page, err := directory.ListGroups(c.Request().Context(), s.db, pathTenant(c).ID, f, after, limit, now)
	if err != nil {
		return err
	}
	out := make([]groupJSON, 0, len(page.Groups))
	for _, g := range page.Groups {
		out = append(out, groupJSON{ID: g.ID, EntraGroupID: g.EntraGroupID, DisplayName: g.DisplayName, GroupType: g.GroupType,
			SecurityEnabled: g.SecurityEnabled, MailEnabled: g.MailEnabled, LastSeenAt: g.LastSeenAt,
			LastSeenOperationRunID: g.LastSeenOperationRunID, Stale: g.IsStale(now)})
	}
	return writePage(c, s.cursors, groupList, out, page.Next)
}
