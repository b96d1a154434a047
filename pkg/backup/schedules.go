package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/validation"
)

// Limits of a schedule's fields.
const (
	MaxNameLength        = 255
	DefaultRetention     = 30
	MaxRetentionKeepLast = 10000
	DefaultTimezone      = "UTC"
)

// ScheduleInput is a schedule to create or the change to make to one: nil fields are not given.
type ScheduleInput struct {
	Name               *string
	IsEnabled          *bool
	Timezone           *string
	Frequency          *string
	TimeOfDay          *string // HH:MM
	DaysOfWeek         *[]int  // ISO weekdays, 1 = Monday … 7 = Sunday; weekly only
	PolicyTypes        *[]string
	IncludeFoundations *bool
	RetentionKeepLast  *int
}

// timingChanged reports whether the change touches when the schedule runs.
func (in ScheduleInput) timingChanged() bool {
	return in.IsEnabled != nil || in.Timezone != nil || in.Frequency != nil || in.TimeOfDay != nil || in.DaysOfWeek != nil
}

// SupportedPolicyTypes lists the policy type keys a schedule may name: Graph's non-foundation
// types (foundations come with include_foundations).
func SupportedPolicyTypes() []string { return graph.PolicyTypeKeys(false) }

// scheduleColumns reads a schedule with its time of day as HH:MM.
const scheduleColumns = `s.id, s.tenant_id, s.name, s.is_enabled, s.timezone, s.frequency,
	to_char(s.time_of_day, 'HH24:MI') AS time_of_day, s.days_of_week, s.policy_types, s.include_foundations,
	s.retention_keep_last, s.last_run_at, s.last_run_status, s.next_run_at, s.archived_at, s.created_at, s.updated_at`

// apply merges the input into s and validates the result. Every field error is reported at once.
func (in ScheduleInput) apply(s *Schedule, creating bool) error {
	var errs validation.Fields
	add := errs.Add

	if creating {
		for _, req := range []struct {
			given bool
			field string
		}{{in.Name != nil, "name"}, {in.Frequency != nil, "frequency"}, {in.TimeOfDay != nil, "time_of_day"}, {in.PolicyTypes != nil, "policy_types"}} {
			if !req.given {
				add(req.field, "is required")
			}
		}
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		switch {
		case name == "":
			add("name", "must not be empty")
		case utf8.RuneCountInString(name) > MaxNameLength:
			add("name", fmt.Sprintf("must have at most %d characters", MaxNameLength))
		case strings.IndexFunc(name, unicode.IsControl) >= 0:
			add("name", "must not contain control characters")
		default:
			s.Name = name
		}
	}
	if in.IsEnabled != nil {
		s.IsEnabled = *in.IsEnabled
	}
	if in.Timezone != nil {
		if _, err := LoadTimezone(*in.Timezone); err != nil {
			add("timezone", "must be an IANA time zone name such as Europe/Berlin or UTC")
		} else {
			s.Timezone = *in.Timezone
		}
	}
	if in.Frequency != nil {
		switch *in.Frequency {
		case Daily, Weekly:
			if *in.Frequency == Daily && in.DaysOfWeek == nil {
				s.DaysOfWeek = database.Int32Array{} // a daily schedule has no days
			}
			s.Frequency = *in.Frequency
		default:
			add("frequency", "must be daily or weekly")
		}
	}
	if in.TimeOfDay != nil {
		if _, _, err := ParseTimeOfDay(*in.TimeOfDay); err != nil || len(*in.TimeOfDay) != 5 {
			add("time_of_day", "must be HH:MM on a 24-hour clock, 00:00 to 23:59")
		} else {
			s.TimeOfDay = *in.TimeOfDay
		}
	}
	if in.DaysOfWeek != nil {
		days := database.Int32Array{}
		ok := true
		for _, d := range *in.DaysOfWeek {
			switch {
			case d < 1 || d > 7:
				add("days_of_week", fmt.Sprintf("%d is not a day of the week: use 1 (Monday) to 7 (Sunday)", d))
				ok = false
			case slices.Contains(days, int32(d)):
				add("days_of_week", fmt.Sprintf("%d is listed twice", d))
				ok = false
			default:
				days = append(days, int32(d))
			}
		}
		if ok {
			slices.Sort(days)
			s.DaysOfWeek = days
		}
	}
	if in.PolicyTypes != nil {
		supported := SupportedPolicyTypes()
		var picked []string
		ok := true
		if len(*in.PolicyTypes) == 0 {
			add("policy_types", "must name at least one policy type")
			ok = false
		}
		for _, k := range *in.PolicyTypes {
			t, known := graph.LookupPolicyType(k)
			switch {
			case !known:
				add("policy_types", fmt.Sprintf("unknown policy type %s; see GET /api/v1/policy-types", quote(k)))
				ok = false
			case t.Foundation:
				add("policy_types", fmt.Sprintf("%s is a foundation: use include_foundations", quote(k)))
				ok = false
			case slices.Contains(picked, k):
				add("policy_types", fmt.Sprintf("%s is listed twice", quote(k)))
				ok = false
			default:
				picked = append(picked, k)
			}
		}
		if ok {
			// The registry's order: one selection, one spelling.
			var ordered database.StringArray
			for _, k := range supported {
				if slices.Contains(picked, k) {
					ordered = append(ordered, k)
				}
			}
			s.PolicyTypes = ordered
		}
	}
	if in.IncludeFoundations != nil {
		s.IncludeFoundations = *in.IncludeFoundations
	}
	if in.RetentionKeepLast != nil {
		if n := *in.RetentionKeepLast; n < 1 || n > MaxRetentionKeepLast {
			add("retention_keep_last", fmt.Sprintf("must be from 1 to %d", MaxRetentionKeepLast))
		} else {
			s.RetentionKeepLast = n
		}
	}
	// The combination: a weekly schedule runs on some days; a daily one names none.
	if !errs.Has("frequency") && !errs.Has("days_of_week") {
		switch {
		case s.Frequency == Weekly && len(s.DaysOfWeek) == 0:
			add("days_of_week", "a weekly schedule needs at least one day of the week (1 = Monday … 7 = Sunday)")
		case s.Frequency == Daily && len(s.DaysOfWeek) > 0:
			add("days_of_week", "only a weekly schedule has days of the week")
		}
	}
	return errs.Invalid(InvalidSchedule)
}

func quote(s string) string {
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// NextRunAt is when an enabled, unarchived schedule runs next after now; nil otherwise.
func NextRunAt(s Schedule, now time.Time) *time.Time {
	if !s.IsEnabled || s.ArchivedAt != nil {
		return nil
	}
	t, err := TimingOf(s)
	if err != nil {
		return nil
	}
	next := t.NextAfter(now)
	if next.IsZero() {
		return nil
	}
	return &next
}

// CreateSchedule validates and stores a new schedule of the tenant, with its first next_run_at.
// Defaults: enabled, time zone UTC, foundations included, retention_keep_last 30.
func CreateSchedule(ctx context.Context, db *gorm.DB, tenantID int64, in ScheduleInput, now time.Time) (Schedule, error) {
	s := Schedule{TenantID: tenantID, IsEnabled: true, Timezone: DefaultTimezone, IncludeFoundations: true,
		RetentionKeepLast: DefaultRetention, DaysOfWeek: database.Int32Array{}, PolicyTypes: database.StringArray{}}
	if err := in.apply(&s, true); err != nil {
		return Schedule{}, err
	}
	s.NextRunAt = NextRunAt(s, now)
	ts := now.UTC().Truncate(time.Microsecond)
	var out []Schedule
	err := db.WithContext(ctx).Raw(`INSERT INTO backup_schedules AS s (tenant_id, name, is_enabled, timezone, frequency, time_of_day,
			days_of_week, policy_types, include_foundations, retention_keep_last, next_run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?::time, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+scheduleColumns,
		s.TenantID, s.Name, s.IsEnabled, s.Timezone, s.Frequency, s.TimeOfDay, s.DaysOfWeek, s.PolicyTypes,
		s.IncludeFoundations, s.RetentionKeepLast, s.NextRunAt, ts, ts).Scan(&out).Error
	if err != nil {
		return Schedule{}, fmt.Errorf("create schedule: %w", err)
	}
	return out[0], nil
}

// GetSchedule returns the tenant's schedule; another tenant's is ErrNotFound.
func GetSchedule(ctx context.Context, db *gorm.DB, tenantID, id int64) (Schedule, error) {
	return getSchedule(db.WithContext(ctx), tenantID, id, false)
}

func getSchedule(db *gorm.DB, tenantID, id int64, forUpdate bool) (Schedule, error) {
	q := `SELECT ` + scheduleColumns + ` FROM backup_schedules s WHERE s.id = ? AND s.tenant_id = ?`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	var out []Schedule
	if err := db.Raw(q, id, tenantID).Scan(&out).Error; err != nil {
		return Schedule{}, fmt.Errorf("schedule %d: %w", id, err)
	}
	if len(out) == 0 {
		return Schedule{}, fmt.Errorf("schedule %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// UpdateSchedule applies a change to the tenant's schedule. next_run_at is computed afresh from
// now when the change touches when it runs (enabling included); an archived schedule cannot
// change (ErrArchived).
func UpdateSchedule(ctx context.Context, db *gorm.DB, tenantID, id int64, in ScheduleInput, now time.Time) (Schedule, error) {
	var out Schedule
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := getSchedule(tx, tenantID, id, true)
		if err != nil {
			return err
		}
		if s.ArchivedAt != nil {
			return ErrArchived
		}
		if err := in.apply(&s, false); err != nil {
			return err
		}
		if in.timingChanged() || (s.NextRunAt == nil && s.IsEnabled) {
			s.NextRunAt = NextRunAt(s, now)
		}
		var rows []Schedule
		err = tx.Raw(`UPDATE backup_schedules AS s SET name = ?, is_enabled = ?, timezone = ?, frequency = ?, time_of_day = ?::time,
				days_of_week = ?, policy_types = ?, include_foundations = ?, retention_keep_last = ?, next_run_at = ?, updated_at = ?
			WHERE s.id = ? RETURNING `+scheduleColumns,
			s.Name, s.IsEnabled, s.Timezone, s.Frequency, s.TimeOfDay, s.DaysOfWeek, s.PolicyTypes, s.IncludeFoundations,
			s.RetentionKeepLast, s.NextRunAt, now.UTC().Truncate(time.Microsecond), s.ID).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("update schedule %d: %w", id, err)
		}
		out = rows[0]
		return nil
	})
	return out, err
}

// ArchiveSchedule archives the tenant's schedule: it is never dispatched again (next_run_at is
// cleared) until restored. Archiving an archived schedule changes nothing.
func ArchiveSchedule(ctx context.Context, db *gorm.DB, tenantID, id int64, now time.Time) (Schedule, error) {
	var rows []Schedule
	err := db.WithContext(ctx).Raw(`UPDATE backup_schedules AS s SET archived_at = coalesce(s.archived_at, ?), next_run_at = NULL,
			updated_at = CASE WHEN s.archived_at IS NULL THEN ? ELSE s.updated_at END
		WHERE s.id = ? AND s.tenant_id = ? RETURNING `+scheduleColumns,
		now.UTC().Truncate(time.Microsecond), now.UTC().Truncate(time.Microsecond), id, tenantID).Scan(&rows).Error
	if err != nil {
		return Schedule{}, fmt.Errorf("archive schedule %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Schedule{}, fmt.Errorf("schedule %d: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

// RestoreSchedule brings an archived schedule back, with next_run_at computed from now when it is
// enabled. Restoring a schedule that is not archived changes nothing.
func RestoreSchedule(ctx context.Context, db *gorm.DB, tenantID, id int64, now time.Time) (Schedule, error) {
	var out Schedule
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := getSchedule(tx, tenantID, id, true)
		if err != nil {
			return err
		}
		if s.ArchivedAt == nil {
			out = s
			return nil
		}
		s.ArchivedAt = nil
		next := NextRunAt(s, now)
		var rows []Schedule
		if err := tx.Raw(`UPDATE backup_schedules AS s SET archived_at = NULL, next_run_at = ?, updated_at = ?
			WHERE s.id = ? RETURNING `+scheduleColumns, next, now.UTC().Truncate(time.Microsecond), id).Scan(&rows).Error; err != nil {
			return fmt.Errorf("restore schedule %d: %w", id, err)
		}
		out = rows[0]
		return nil
	})
	return out, err
}

// DeleteSchedule deletes an archived schedule of the tenant for good. It is refused for a schedule
// that is not archived (ErrNotArchived) and while any operation run names it (ErrHasRuns): its
// history is kept in its operation runs. Its backup sets stay, no longer linked to a schedule.
func DeleteSchedule(ctx context.Context, db *gorm.DB, tenantID, id int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := getSchedule(tx, tenantID, id, true)
		if err != nil {
			return err
		}
		if s.ArchivedAt == nil {
			return ErrNotArchived
		}
		has, err := operations.HasScheduleRuns(ctx, tx, id)
		if err != nil {
			return err
		}
		if has {
			return ErrHasRuns
		}
		if err := tx.Exec(`DELETE FROM backup_schedules WHERE id = ?`, id).Error; err != nil {
			return fmt.Errorf("delete schedule %d: %w", id, err)
		}
		return nil
	})
}

// ScheduleFilter narrows a schedule list.
type ScheduleFilter struct {
	IncludeArchived bool
}

// ScheduleCursor marks the last schedule of a page; schedules are listed newest first by id. The
// API seals it (pkg/cursor) before a client sees it.
type ScheduleCursor struct {
	ID int64 `json:"i"`
}

// SchedulePage is one page of schedules, newest first; Next is where the next page starts, nil on
// the last page.
type SchedulePage struct {
	Schedules []Schedule
	Next      *ScheduleCursor
}

// ListSchedules pages through the tenant's schedules, newest first.
// after (nil for the first page) is the previous page's Next.
func ListSchedules(ctx context.Context, db *gorm.DB, tenantID int64, f ScheduleFilter, after *ScheduleCursor, limit int) (SchedulePage, error) {
	q := `SELECT ` + scheduleColumns + ` FROM backup_schedules s WHERE s.tenant_id = ?`
	args := []any{tenantID}
	if !f.IncludeArchived {
		q += ` AND s.archived_at IS NULL`
	}
	if after != nil {
		q += ` AND s.id < ?`
		args = append(args, after.ID)
	}
	q += ` ORDER BY s.id DESC LIMIT ?`
	args = append(args, limit+1)
	var rows []Schedule
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return SchedulePage{}, fmt.Errorf("list schedules: %w", err)
	}
	page := SchedulePage{Schedules: rows}
	if len(rows) > limit {
		page.Schedules = rows[:limit]
		page.Next = &ScheduleCursor{ID: rows[limit-1].ID}
	}
	return page, nil
}
