package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/operations"
)

// routes registers every route with its declared access. A route's capability is declared here,
// at registration, and nowhere else.
func (s *Server) routes() {
	s.route(http.MethodGet, "/healthz", s.healthz, public())
	s.route(http.MethodGet, "/readyz", s.readyz, public())
	s.route(http.MethodGet, "/metrics", s.metricsRoute, public())

	const v1 = "/api/v1"
	s.route(http.MethodPost, v1+"/auth/login", s.login, public())
	s.route(http.MethodPost, v1+"/auth/logout", s.logout, signedIn())
	s.route(http.MethodGet, v1+"/me", s.me, signedIn())
	s.route(http.MethodGet, v1+"/users", s.findUser, signedIn())
	s.route(http.MethodGet, v1+"/me/tokens", s.listMyTokens, signedIn())
	s.route(http.MethodPost, v1+"/me/tokens", s.createMyToken, signedIn())
	s.route(http.MethodDelete, v1+"/me/tokens/:id", s.revokeMyToken, signedIn())
	s.route(http.MethodGet, v1+"/me/invitations", s.listMyInvitations, signedIn())
	s.route(http.MethodPost, v1+"/me/invitations/:id/accept", s.acceptInvitation, signedIn())
	s.route(http.MethodPost, v1+"/me/invitations/:id/decline", s.declineInvitation, signedIn())

	s.route(http.MethodGet, v1+"/workspaces", s.listWorkspaces, signedIn())
	s.route(http.MethodPost, v1+"/workspaces", s.createWorkspace, signedIn())
	s.route(http.MethodGet, v1+"/workspaces/:workspace/tenants", s.listTenants, onWorkspace("workspace.view"))
	s.route(http.MethodPost, v1+"/workspaces/:workspace/tenants", s.createTenant, onWorkspace("workspace.tenants.manage"))
	s.route(http.MethodGet, v1+"/workspaces/:workspace/members", s.listWorkspaceMembers, onWorkspace("workspace.members.manage"))
	s.route(http.MethodGet, v1+"/workspaces/:workspace/invitations", s.listInvitations, onWorkspace("workspace.members.manage"))
	s.route(http.MethodPost, v1+"/workspaces/:workspace/invitations", s.createInvitation, onWorkspace("workspace.members.manage"))
	s.route(http.MethodDelete, v1+"/workspaces/:workspace/invitations/:id", s.revokeInvitation, onWorkspace("workspace.members.manage"))
	s.route(http.MethodPut, v1+"/workspaces/:workspace/members/:user_id", s.putWorkspaceMember, onWorkspace("workspace.members.manage"))
	s.route(http.MethodDelete, v1+"/workspaces/:workspace/members/:user_id", s.deleteWorkspaceMember, onWorkspace("workspace.members.manage"))
	s.route(http.MethodPut, v1+"/tenants/:tenant/members/:user_id", s.putTenantMember, onTenant("tenant.members.manage"))
	s.route(http.MethodDelete, v1+"/tenants/:tenant/members/:user_id", s.deleteTenantMember, onTenant("tenant.members.manage"))

	s.route(http.MethodGet, v1+"/operation-types", s.listRunTypes, signedIn())
	s.route(http.MethodGet, v1+"/operation-runs", s.listRuns, signedIn())
	s.route(http.MethodGet, v1+"/operation-runs/counts", s.countRuns, signedIn())
	s.route(http.MethodGet, v1+"/operation-runs/events", s.streamRunEvents, streamReader())
	s.route(http.MethodPost, v1+"/operation-runs/events/tickets", s.createStreamTicket, signedIn())
	s.route(http.MethodGet, v1+"/operation-runs/:id", s.getRun, onRun())
	// Acting on a run needs the capability that starting its type needs (the registry's), which
	// is also the one viewing it needs: onRun decides 404 and 403 for both.
	s.route(http.MethodPost, v1+"/operation-runs/:id/cancel", s.cancelRun, onRun())
	s.route(http.MethodPost, v1+"/operation-runs/:id/retry", s.retryRun, onRun())
	s.route(http.MethodGet, v1+"/operation-runs/:id/audit", s.runAudit, onRun())

	s.route(http.MethodGet, v1+"/policy-types", s.listPolicyTypes, signedIn())
	s.route(http.MethodPost, v1+"/tenants/:tenant/inventory/sync", s.startInventorySync, startsRun(operations.TypeInventorySync))
	s.route(http.MethodGet, v1+"/tenants/:tenant/inventory/items", s.listInventoryItems, onTenant("tenant.inventory.view"))
	s.route(http.MethodGet, v1+"/tenants/:tenant/inventory/kpis", s.inventoryKPIs, onTenant("tenant.inventory.view"))
	s.route(http.MethodPost, v1+"/tenants/:tenant/directory/groups/sync", s.startGroupSync, startsRun(operations.TypeEntraGroupSync))
	s.route(http.MethodGet, v1+"/tenants/:tenant/directory/groups", s.listGroups, onTenant("tenant.directory.view"))

	s.route(http.MethodGet, v1+"/notifications", s.listNotifications, signedIn())
	s.route(http.MethodPost, v1+"/notifications/read-all", s.readAllNotifications, signedIn())
	s.route(http.MethodPost, v1+"/notifications/:id/read", s.readNotification, signedIn())

	// Drift of a tenant's inventory scopes, compared over canonical inventory_sync runs, and its findings.
	s.route(http.MethodGet, v1+"/tenants/:tenant/drift/scopes", s.listDriftScopes, onTenant("tenant.drift.view"))
	s.route(http.MethodGet, v1+"/tenants/:tenant/drift", s.getDrift, onTenant("tenant.drift.view"))
	s.route(http.MethodPost, v1+"/tenants/:tenant/drift/generate", s.generateDrift, startsRun(operations.TypeDriftGenerateFindings))
	s.route(http.MethodGet, v1+"/tenants/:tenant/findings", s.listFindings, onTenant("tenant.drift.view"))
	s.route(http.MethodPost, v1+"/tenants/:tenant/findings/acknowledge", s.acknowledgeFindings, onTenant("tenant.drift.ack"))
	s.route(http.MethodPost, v1+"/tenants/:tenant/findings/:id/acknowledge", s.acknowledgeFinding, onTenant("tenant.drift.ack"))

	// Backup schedules and the sets their runs make. A schedule's run history is
	// /operation-runs?backup_schedule_id=N: there is no run resource of its own.
	const schedules, schedule = v1 + "/tenants/:tenant/backup-schedules", v1 + "/tenants/:tenant/backup-schedules/:id"
	s.route(http.MethodGet, schedules, s.listBackupSchedules, onTenant("tenant.backups.view"))
	s.route(http.MethodPost, schedules, s.createBackupSchedule, onTenant("tenant.backups.schedules.manage"))
	s.route(http.MethodGet, schedule, s.getBackupSchedule, onTenant("tenant.backups.view"))
	s.route(http.MethodPatch, schedule, s.updateBackupSchedule, onTenant("tenant.backups.schedules.manage"))
	s.route(http.MethodDelete, schedule, s.deleteBackupSchedule, onTenant("tenant.backups.schedules.manage"))
	s.route(http.MethodPost, schedule+"/archive", s.archiveBackupSchedule, onTenant("tenant.backups.schedules.manage"))
	s.route(http.MethodPost, schedule+"/restore", s.restoreBackupSchedule, onTenant("tenant.backups.schedules.manage"))
	s.route(http.MethodPost, schedule+"/run-now", s.runBackupScheduleNow, startsRun(operations.TypeBackupRun))
	s.route(http.MethodPost, schedule+"/retry", s.retryBackupSchedule, startsRun(operations.TypeBackupRun))
	s.route(http.MethodGet, v1+"/tenants/:tenant/backup-sets", s.listBackupSets, onTenant("tenant.backups.view"))
	s.route(http.MethodGet, v1+"/tenants/:tenant/backup-sets/:id", s.getBackupSet, onTenant("tenant.backups.view"))

	// The legacy run resources are gone (spec 087): every method, with or without an id or a
	// trailing slash, on the top-level and the tenant-scoped forms, answers 404 — never a
	// redirect — whoever asks.
	for _, legacy := range []string{"inventory-sync-runs", "entra-group-sync-runs", "backup-schedule-runs"} {
		for _, base := range []string{v1 + "/" + legacy, v1 + "/tenants/:tenant/" + legacy} {
			for _, path := range []string{base, base + "/*"} {
				for _, m := range legacyMethods {
					s.route(m, path, nil, gone())
				}
			}
		}
	}
}

var legacyMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// Routes lists "METHOD path" for every registered route, for the contract tests.
func (s *Server) Routes() []*echo.Route { return s.e.Routes() }

// StartRoutes lists, for each run type, the "METHOD path" of the routes that start its runs and
// the capability each declares, for the registry test.
func (s *Server) StartRoutes() map[string]map[string]string {
	out := map[string]map[string]string{}
	for route, a := range s.access {
		if a.starts == "" || strings.HasPrefix(route, http.MethodHead+" ") {
			continue
		}
		if out[a.starts] == nil {
			out[a.starts] = map[string]string{}
		}
		out[a.starts][route] = a.capability
	}
	return out
}

// DeclaredScope is the token scope a route needs ("read", "write", or "" for routes that take no
// token), for the scope test.
func (s *Server) DeclaredScope(method, path string) string {
	return string(s.access[method+" "+path].scope)
}

// DeclaredAccess reports whether a route declared its access, for the route guard test.
func (s *Server) DeclaredAccess(method, path string) bool {
	_, ok := s.access[method+" "+path]
	return ok
}
