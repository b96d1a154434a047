package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/backup"
)

// backupSetJSON is a backup set as the API shows it.
type backupSetJSON struct {
	ID               int64              `json:"id"`
	TenantID         int64              `json:"tenant_id"`
	BackupScheduleID *int64             `json:"backup_schedule_id"`
	OperationRunID   *int64             `json:"operation_run_id"`
	Name             string             `json:"name"`
	Status           string             `json:"status"` // pending | completed | partial | failed
	ItemCount        int                `json:"item_count"`
	CreatedBy        *string            `json:"created_by"`
	CompletedAt      *time.Time         `json:"completed_at"`
	RetiredAt        *time.Time         `json:"retired_at"`
	CreatedAt        time.Time          `json:"created_at"`
	UpdatedAt        time.Time          `json:"updated_at"`
	Links            backupSetLinksJSON `json:"links"`
}

type backupSetLinksJSON struct {
	Self           string  `json:"self"`
	BackupSchedule *string `json:"backup_schedule"`
	OperationRun   *string `json:"operation_run"`
}

func presentBackupSet(s backup.Set) backupSetJSON {
	t := strconv.FormatInt(s.TenantID, 10)
	out := backupSetJSON{
		ID: s.ID, TenantID: s.TenantID, BackupScheduleID: s.BackupScheduleID, OperationRunID: s.OperationRunID,
		Name: s.Name, Status: s.Status, ItemCount: s.ItemCount, CreatedBy: s.CreatedBy,
		CompletedAt: s.CompletedAt, RetiredAt: s.RetiredAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Links: backupSetLinksJSON{Self: "/api/v1/tenants/" + t + "/backup-sets/" + strconv.FormatInt(s.ID, 10)},
	}
	if s.BackupScheduleID != nil {
		l := "/api/v1/tenants/" + t + "/backup-schedules/" + strconv.FormatInt(*s.BackupScheduleID, 10)
		out.Links.BackupSchedule = &l
	}
	if s.OperationRunID != nil {
		l := "/api/v1/operation-runs/" + strconv.FormatInt(*s.OperationRunID, 10)
		out.Links.OperationRun = &l
	}
	return out
}

// listBackupSets pages through the tenant's backup sets, newest first; retired sets only with
// include_retired=true.
func (s *Server) listBackupSets(c echo.Context) error {
	if err := onlyParams(c, "backup_schedule_id", "include_retired", "limit", "cursor"); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	includeRetired, err := boolParam(c, "include_retired")
	if err != nil {
		return err
	}
	after, err := backupSetList.after(c, s.cursors)
	if err != nil {
		return err
	}
	scheduleID, err := posIntParam(c, "backup_schedule_id")
	if err != nil {
		return err
	}
	f := backup.SetFilter{IncludeRetired: includeRetired, BackupScheduleID: scheduleID}
	page, err := backup.ListSets(c.Request().Context(), s.db, pathTenant(c).ID, f, after, limit)
	if err != nil {
		return err
	}
	out := make([]backupSetJSON, 0, len(page.Sets))
	for _, set := range page.Sets {
		out = append(out, presentBackupSet(set))
	}
	return writePage(c, s.cursors, backupSetList, out, page.Next)
}

// getBackupSet shows one set of the tenant (retired ones too), its item count counted afresh.
func (s *Server) getBackupSet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	set, err := backup.GetSet(c.Request().Context(), s.db, pathTenant(c).ID, id)
	if err != nil {
		return err
	}
	return jsonWithETag(c, http.StatusOK, presentBackupSet(set))
}
