package operations

import "strconv"

// Related is a page of the run's tenant that runs of a type relate to: API and UI are paths below
// /api/v1/tenants/{tenant}/ and /admin/t/{tenant}/.
type Related struct {
	Rel, Title string
	API, UI    string
}

// Link is a link from a run to a neighbour: an API resource and the SPA page that shows it.
type Link struct {
	Rel, Title string
	Href       string // API path
	UI         string // SPA path, empty when there is none
}

// contextLinks are the neighbours a run's context names by id, whatever its type: the resource
// kind decides the path.
var contextLinks = []struct {
	key, rel, title string
	kind            string // "run", "backup_schedule", "backup_set"
}{
	{"backup_schedule_id", "backup_schedule", "Backup schedule", "backup_schedule"},
	{"backup_set_id", "backup_set", "Backup set", "backup_set"},
	{"retry_of", "retry_of", "Retried run", "run"},
	{"baseline_run_id", "baseline_run", "Baseline inventory sync", "run"},
	{"current_run_id", "current_run", "Current inventory sync", "run"},
}

// RelatedLinks derives the links of a run to its neighbours: the tenant pages its type declares
// in the registry, then the resources its context names.
func RelatedLinks(r Run) []Link {
	var links []Link
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	var api, ui string
	if r.TenantID != nil {
		api, ui = "/api/v1/tenants/"+itoa(*r.TenantID)+"/", "/admin/t/"+itoa(*r.TenantID)+"/"
		if t, ok := byKey[r.Type]; ok {
			for _, rel := range t.Related {
				links = append(links, Link{Rel: rel.Rel, Title: rel.Title, Href: api + rel.API, UI: ui + rel.UI})
			}
		}
	}
	for _, k := range contextLinks {
		id, ok := r.ContextInt(k.key)
		if !ok {
			continue
		}
		switch {
		case k.kind == "run":
			links = append(links, Link{Rel: k.rel, Title: k.title, Href: "/api/v1/operation-runs/" + itoa(id), UI: "/admin/operations/" + itoa(id)})
		case r.TenantID == nil:
			// Schedules and sets belong to a tenant.
		case k.kind == "backup_schedule":
			links = append(links, Link{Rel: k.rel, Title: k.title, Href: api + "backup-schedules/" + itoa(id), UI: ui + "backup-schedules"})
		case k.kind == "backup_set":
			links = append(links, Link{Rel: k.rel, Title: k.title, Href: api + "backup-sets/" + itoa(id), UI: ui + "backup-schedules"})
		}
	}
	return links
}
