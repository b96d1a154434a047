package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/operations"
)

// scheduleJSON is a backup schedule as the API shows it.
type scheduleJSON struct {
	ID                 int64             `json:"id"`
	TenantID           int64             `json:"tenant_id"`
	Name               string            `json:"name"`
	IsEnabled          bool              `json:"is_enabled"`
	Timezone           string            `json:"timezone"`
	Frequency          string            `json:"frequency"`
	TimeOfDay          string            `json:"time_of_day"`
	DaysOfWeek         []int32           `json:"days_of_week"`
	PolicyTypes        []string          `json:"policy_types"`
	IncludeFoundations bool              `json:"include_foundations"`
	RetentionKeepLast  int               `json:"retention_keep_last"`
	LastRunAt          *time.Time        `json:"last_run_at"`
	LastRunStatus      *string           `json:"last_run_status"`
	NextRunAt          *time.Time        `json:"next_run_at"`
	ArchivedAt         *time.Time        `json:"archived_at"`
	CreatedAt          time.Time         `json:"created_at"`
	UpdatedAt          time.Time         `json:"updated_at"`
	Links              scheduleLinksJSON `json:"links"`
}

type scheduleLinksJSON struct {
	Self       string `json:"self"`
	Runs       string `json:"runs"`        // the schedule's history: its operation runs
	BackupSets string `json:"backup_sets"` // the sets its runs made
	UI         string `json:"ui"`
}

func presentSchedule(s backup.Schedule) scheduleJSON {
	t, id := strconv.FormatInt(s.TenantID, 10), strconv.FormatInt(s.ID, 10)
	out := scheduleJSON{
		ID: s.ID, TenantID: s.TenantID, Name: s.Name, IsEnabled: s.IsEnabled, Timezone: s.Timezone,
		Frequency: s.Frequency, TimeOfDay: s.TimeOfDay, DaysOfWeek: []int32(s.DaysOfWeek), PolicyTypes: []string(s.PolicyTypes),
		IncludeFoundations: s.IncludeFoundations, RetentionKeepLast: s.RetentionKeepLast,
		LastRunAt: s.LastRunAt, LastRunStatus: s.LastRunStatus, NextRunAt: s.NextRunAt, ArchivedAt: s.ArchivedAt,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Links: scheduleLinksJSON{
			Self:       "/api/v1/tenants/" + t + "/backup-schedules/" + id,
			Runs:       "/api/v1/operation-runs?backup_schedule_id=" + id,
			BackupSets: "/api/v1/tenants/" + t + "/backup-sets?backup_schedule_id=" + id,
			UI:         "/admin/t/" + t + "/backup-schedules",
		},
	}
	if out.DaysOfWeek == nil {
		out.DaysOfWeek = []int32{}
	}
	if out.PolicyTypes == nil {
		out.PolicyTypes = []string{}
	}
	return out
}

// scheduleRequest is the body of a create (name, frequency, time_of_day and policy_types
// required) or of a PATCH (every field optional; null or absent leaves a field as it is).
type scheduleRequest struct {
	Name               *string   `json:"name"`
	IsEnabled          *bool     `json:"is_enabled"`
	Timezone           *string   `json:"timezone"`
	Frequency          *string   `json:"frequency"`
	TimeOfDay          *string   `json:"time_of_day"`
	DaysOfWeek         *[]int    `json:"days_of_week"`
	PolicyTypes        *[]string `json:"policy_types"`
	IncludeFoundations *bool     `json:"include_foundations"`
	RetentionKeepLast  *int      `json:"retention_keep_last"`
}

func (r scheduleRequest) input() backup.ScheduleInput {
	return backup.ScheduleInput{Name: r.Name, IsEnabled: r.IsEnabled, Timezone: r.Timezone, Frequency: r.Frequency,
		TimeOfDay: r.TimeOfDay, DaysOfWeek: r.DaysOfWeek, PolicyTypes: r.PolicyTypes,
		IncludeFoundations: r.IncludeFoundations, RetentionKeepLast: r.RetentionKeepLast}
}

func (s *Server) listBackupSchedules(c echo.Context) error {
	if err := onlyParams(c, "include_archived", "limit", "cursor"); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	includeArchived, err := boolParam(c, "include_archived")
	if err != nil {
		return err
	}
	after, err := backupScheduleList.after(c, s.cursors)
	if err != nil {
		return err
	}
	page, err := backup.ListSchedules(c.Request().Context(), s.db, pathTenant(c).ID, backup.ScheduleFilter{IncludeArchived: includeArchived}, after, limit)
	if err != nil {
		return err
	}
	out := make([]scheduleJSON, 0, len(page.Schedules))
	for _, sc := range page.Schedules {
		out = append(out, presentSchedule(sc))
	}
	return writePage(c, s.cursors, backupScheduleList, out, page.Next)
}

func (s *Server) createBackupSchedule(c echo.Context) error {
	var req scheduleRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	t := pathTenant(c)
	sc, err := backup.CreateSchedule(c.Request().Context(), s.db, t.ID, req.input(), time.Now())
	if err != nil {
		return err
	}
	out := presentSchedule(sc)
	c.Response().Header().Set(echo.HeaderLocation, out.Links.Self)
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) getBackupSchedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	sc, err := backup.GetSchedule(c.Request().Context(), s.db, pathTenant(c).ID, id)
	if err != nil {
		return err
	}
	return jsonWithETag(c, http.StatusOK, presentSchedule(sc))
}

func (s *Server) updateBackupSchedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req scheduleRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	sc, err := backup.UpdateSchedule(c.Request().Context(), s.db, pathTenant(c).ID, id, req.input(), time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSchedule(sc))
}

func (s *Server) archiveBackupSchedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	sc, err := backup.ArchiveSchedule(c.Request().Context(), s.db, pathTenant(c).ID, id, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSchedule(sc))
}

func (s *Server) restoreBackupSchedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	sc, err := backup.RestoreSchedule(c.Request().Context(), s.db, pathTenant(c).ID, id, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentSchedule(sc))
}

func (s *Server) deleteBackupSchedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := backup.DeleteSchedule(c.Request().Context(), s.db, pathTenant(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// runBackupScheduleNow starts a backup of the schedule now: always a new run (202).
func (s *Server) runBackupScheduleNow(c echo.Context) error {
	return s.startScheduleRun(c, backup.RunNowInput)
}

// retryBackupSchedule starts a new run whose retry_of is the schedule's latest finished run; 409
// when there is none.
func (s *Server) retryBackupSchedule(c echo.Context) error {
	return s.startScheduleRun(c, backup.RetryInput)
}

type scheduleRunInput func(ctx context.Context, db *gorm.DB, tenantID, scheduleID int64, by backup.Starter, now time.Time) (operations.EnsureInput, error)

func (s *Server) startScheduleRun(c echo.Context, input scheduleRunInput) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	p, t := principal(c), pathTenant(c)
	in, err := input(c.Request().Context(), s.db, t.ID, id,
		backup.Starter{WorkspaceID: t.WorkspaceID, UserID: &p.User.ID, UserName: p.User.Name}, time.Now())
	if err != nil {
		return err
	}
	// The request is the same when method and path are: run-now and retry take no body.
	return s.startRunWith(c, in, nil)
}
