// Package graph reaches Microsoft Graph for TenantAtlas: the Intune policy types it reads, a real
// client (OAuth2 client credentials per tenant, @odata.nextLink paging, 429/503 back-off), a
// deterministic simulated provider for the demo, and typed errors with stable failure codes. The
// per-tenant connections that choose between them are stored by package connections.
//
// Sub-package graphtest is a fake Graph server speaking Graph's JSON, for tests.
package graph

import (
	"context"
	"slices"
)

// Provider is where a tenant's Intune objects and Entra groups come from: a Client against
// Microsoft Graph or a Simulated tenant. Implementations are safe for concurrent use.
type Provider interface {
	// ListPolicies reads every object of a policy type (a PolicyType key), calling fn with each
	// page in Graph's order. An error from fn stops the listing and is returned as it is.
	ListPolicies(ctx context.Context, policyType string, fn func(page []Object) error) error
	// ListGroups reads every Entra group, calling fn with each page.
	ListGroups(ctx context.Context, fn func(page []Group) error) error
	// GetPolicy reads one object with its assignments (GET {collection}/{id}?$expand=assignments,
	// for types that have assignments).
	GetPolicy(ctx context.Context, policyType, id string) (Object, error)
}

// ErrUnknownPolicyType is returned for a policy type key that LookupPolicyType does not know.
const ErrUnknownPolicyType SentinelError = "graph: unknown policy type"

// Object is one Graph object as decoded from JSON with json.Decoder.UseNumber: numbers are
// json.Number, nested objects map[string]any, arrays []any.
type Object map[string]any

// ID is the object's "id".
func (o Object) ID() string { return o.str("id") }

// DisplayName is the object's "displayName", or its "name" (settings catalog policies have a
// name and no displayName).
func (o Object) DisplayName() string {
	if s := o.str("displayName"); s != "" {
		return s
	}
	return o.str("name")
}

// ODataType is the object's "@odata.type", e.g. "#microsoft.graph.windows10GeneralConfiguration".
func (o Object) ODataType() string { return o.str("@odata.type") }

func (o Object) str(k string) string {
	s, _ := o[k].(string)
	return s
}

// The group kinds Group.Kind answers with (entra_groups.group_type).
const (
	GroupSecurity     = "Security"
	GroupMicrosoft365 = "Microsoft365"
	GroupUnknown      = "Unknown"
)

// Group is one Entra group, with the properties group sync selects.
type Group struct {
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	GroupTypes      []string `json:"groupTypes"`
	SecurityEnabled bool     `json:"securityEnabled"`
	MailEnabled     bool     `json:"mailEnabled"`
}

// Kind classifies the group: Microsoft365 when groupTypes holds "Unified", Security when it is
// security-enabled (mail-enabled security groups included), else Unknown (distribution lists).
func (g Group) Kind() string {
	switch {
	case slices.Contains(g.GroupTypes, "Unified"):
		return GroupMicrosoft365
	case g.SecurityEnabled:
		return GroupSecurity
	}
	return GroupUnknown
}
