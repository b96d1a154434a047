package backup

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	// The IANA time zone database, embedded: schedules keep their time zone on images without
	// /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Frequencies of a schedule.
const (
	Daily  = "daily"
	Weekly = "weekly"
)

// Timing is when a schedule runs: at a wall-clock time of day in its time zone, every day or on
// some ISO weekdays (1 = Monday … 7 = Sunday).
//
// Daylight saving time: a slot is one instant per calendar day.
//   - When the wall-clock time does not exist that day (spring forward: 02:30 in
//     Europe/Berlin on the last Sunday of March), the slot is the first valid instant after it,
//     the moment the clocks jump (03:00 local).
//   - When it exists twice (fall back: 01:30 in America/New_York on the first Sunday of
//     November), the slot is the first occurrence; the repeated hour does not run again.
type Timing struct {
	Location  *time.Location
	Frequency string
	Hour      int
	Minute    int
	Days      []int // ISO weekdays, weekly only
}

// ParseTimeOfDay reads "HH:MM" (00:00 to 23:59). The database's "HH:MM:SS" is read too, with
// zero seconds.
func ParseTimeOfDay(s string) (hour, minute int, err error) {
	bad := fmt.Errorf("time of day %q: want HH:MM, 00:00 to 23:59", s)
	if len(s) == 8 && strings.HasSuffix(s, ":00") {
		s = s[:5]
	}
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, bad
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' {
		return 0, 0, bad
	}
	return h, m, nil
}

// LoadTimezone loads an IANA time zone by name. "Local" and the empty name are refused: a
// schedule's zone never depends on the server's.
func LoadTimezone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, fmt.Errorf("time zone %q: want an IANA name such as Europe/Berlin", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: want an IANA name such as Europe/Berlin", name)
	}
	return loc, nil
}

// TimingOf reads a schedule's timing.
func TimingOf(s Schedule) (Timing, error) {
	loc, err := LoadTimezone(s.Timezone)
	if err != nil {
		return Timing{}, err
	}
	h, m, err := ParseTimeOfDay(s.TimeOfDay)
	if err != nil {
		return Timing{}, err
	}
	t := Timing{Location: loc, Frequency: s.Frequency, Hour: h, Minute: m}
	for _, d := range s.DaysOfWeek {
		t.Days = append(t.Days, int(d))
	}
	return t, t.check()
}

func (t Timing) check() error {
	switch t.Frequency {
	case Daily:
		return nil
	case Weekly:
		if len(t.Days) == 0 {
			return errors.New("a weekly schedule needs days of the week")
		}
		for _, d := range t.Days {
			if d < 1 || d > 7 {
				return fmt.Errorf("day of week %d: want 1 (Monday) to 7 (Sunday)", d)
			}
		}
		return nil
	}
	return fmt.Errorf("frequency %q: want daily or weekly", t.Frequency)
}

// isoWeekday is 1 (Monday) to 7 (Sunday).
func isoWeekday(d time.Time) int {
	if wd := int(d.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// runsOn reports whether the schedule runs on a calendar date (given as noon UTC of that date).
func (t Timing) runsOn(date time.Time) bool {
	return t.Frequency != Weekly || slices.Contains(t.Days, isoWeekday(date))
}

// SlotOn is the schedule's instant on a calendar date of its time zone, whether or not it runs
// that day: the wall-clock time, its first occurrence when it occurs twice, or the first valid
// instant after it when it does not occur at all.
func (t Timing) SlotOn(year int, month time.Month, day int) time.Time {
	loc := t.Location
	wall := time.Date(year, month, day, t.Hour, t.Minute, 0, 0, time.UTC) // the wall clock, read as UTC
	sameWall := func(c time.Time) bool {
		l := c.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC).Equal(wall) && l.Second() == 0
	}
	// The offsets in force a day before and a day after, and Go's own pick: every instant that
	// shows this wall-clock time is among these candidates.
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	candidates := []time.Time{
		wall.Add(-time.Duration(before) * time.Second),
		wall.Add(-time.Duration(after) * time.Second),
		time.Date(year, month, day, t.Hour, t.Minute, 0, 0, loc),
	}
	var best time.Time
	for _, c := range candidates {
		if sameWall(c) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best.UTC()
	}
	// A gap (the clocks jumped over this time): read with the earlier offset, the instant lies
	// after the jump, in the zone period that the jump began.
	start, _ := candidates[0].In(loc).ZoneBounds()
	if start.IsZero() || start.After(candidates[0]) {
		return candidates[2].UTC()
	}
	return start.UTC()
}

// NextAfter is the first slot strictly after the given instant, or the zero time when the timing
// has no slot (a weekly timing without days).
func (t Timing) NextAfter(instant time.Time) time.Time {
	if t.check() != nil {
		return time.Time{}
	}
	l := instant.In(t.Location)
	for i := -1; i <= 8; i++ {
		date := time.Date(l.Year(), l.Month(), l.Day()+i, 12, 0, 0, 0, time.UTC)
		if !t.runsOn(date) {
			continue
		}
		if s := t.SlotOn(date.Year(), date.Month(), date.Day()); s.After(instant) {
			return s
		}
	}
	return time.Time{}
}

// LatestAtOrBefore is the last slot at or before the given instant: the one slot a dispatcher
// runs when it finds a schedule due (missed slots before it are not caught up).
func (t Timing) LatestAtOrBefore(instant time.Time) time.Time {
	if t.check() != nil {
		return time.Time{}
	}
	l := instant.In(t.Location)
	for i := 1; i >= -8; i-- {
		date := time.Date(l.Year(), l.Month(), l.Day()+i, 12, 0, 0, 0, time.UTC)
		if !t.runsOn(date) {
			continue
		}
		if s := t.SlotOn(date.Year(), date.Month(), date.Day()); !s.After(instant) {
			return s
		}
	}
	return time.Time{}
}

// FormatSlot writes a slot as the run context's scheduled_for: RFC 3339 in UTC, to the second.
// One slot has one spelling, which the one-run-per-slot index relies on.
func FormatSlot(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
