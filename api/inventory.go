package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/inventory"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

type inventorySyncRequest struct {
	PolicyTypes        *[]string `json:"policy_types"`
	IncludeFoundations *bool     `json:"include_foundations"`
}

// startInventorySync starts (or reuses) an inventory sync of the tenant for a selection.
func (s *Server) startInventorySync(c echo.Context) error {
	var req inventorySyncRequest
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &req); err != nil {
			return err
		}
	}
	var types []string
	if req.PolicyTypes != nil {
		types = *req.PolicyTypes
	}
	sel, err := inventory.NormalizeSelection(types, req.PolicyTypes != nil, req.IncludeFoundations)
	if err != nil {
		return err
	}
	ctxMap := map[string]any{"selection": sel, "scope_key": sel.ScopeKey()}
	return s.startRun(c, operations.TypeInventorySync, sel, ctxMap)
}

type itemJSON struct {
	ID                     int64           `json:"id"`
	PolicyType             string          `json:"policy_type"`
	ExternalID             string          `json:"external_id"`
	DisplayName            string          `json:"display_name"`
	Category               string          `json:"category"`
	Platform               string          `json:"platform"`
	Meta                   json.RawMessage `json:"meta"`
	ContentHash            string          `json:"content_hash"`
	LastSeenAt             *time.Time      `json:"last_seen_at"`
	LastSeenOperationRunID *int64          `json:"last_seen_operation_run_id"`
}

// listInventoryItems pages through the tenant's inventory.
func (s *Server) listInventoryItems(c echo.Context) error {
	q := c.QueryParams()
	if err := onlyParams(c, "policy_type", "category", "q", "limit", "cursor"); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	f := inventory.ItemFilter{PolicyType: q.Get("policy_type"), Category: q.Get("category"), Search: q.Get("q")}
	if f.PolicyType != "" {
		if _, ok := graph.LookupPolicyType(f.PolicyType); !ok {
			return invalidParameter(FieldError{Field: "policy_type", Message: "unknown policy type"})
		}
	}
	after, err := inventoryItemList.after(c, s.cursors)
	if err != nil {
		return err
	}
	page, err := inventory.ListItems(c.Request().Context(), s.db, pathTenant(c).ID, f, after, limit)
	if err != nil {
		return err
	}
	out := make([]itemJSON, 0, len(page.Items))
	for _, it := range page.Items {
		out = append(out, itemJSON{ID: it.ID, PolicyType: it.PolicyType, ExternalID: it.ExternalID, DisplayName: it.DisplayName,
			Category: it.Category, Platform: it.Platform, Meta: emptyOr(it.Meta, "{}"), ContentHash: it.ContentHash,
			LastSeenAt: it.LastSeenAt, LastSeenOperationRunID: it.LastSeenOperationRunID})
	}
	return writePage(c, s.cursors, inventoryItemList, out, page.Next)
}

func (s *Server) inventoryKPIs(c echo.Context) error {
	t := c.Get(ctxTenant).(tenancy.Tenant)
	k, err := inventory.TenantKPIs(c.Request().Context(), s.db, t.ID)
	if err != nil {
		return err
	}
	return jsonWithETag(c, http.StatusOK, k)
}

type policyTypeJSON struct {
	Key        string `json:"key"`
	Label      string `json:"label"`
	Category   string `json:"category"`
	Collection string `json:"graph_collection"`
	Foundation bool   `json:"foundation"`
	Restorable bool   `json:"restorable"`
}

func (s *Server) listPolicyTypes(c echo.Context) error {
	var out []policyTypeJSON
	for _, t := range graph.PolicyTypes() {
		out = append(out, policyTypeJSON{Key: t.Key, Label: t.Label, Category: t.Category, Collection: t.Collection,
			Foundation: t.Foundation, Restorable: t.Restorable})
	}
	return jsonWithETag(c, http.StatusOK, map[string]any{"data": out})
}
