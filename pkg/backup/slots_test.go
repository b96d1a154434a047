package backup_test

import (
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
)

func timing(t *testing.T, tz, freq, at string, days ...int) backup.Timing {
	t.Helper()
	loc, err := backup.LoadTimezone(tz)
	if err != nil {
		t.Fatal(err)
	}
	h, m, err := backup.ParseTimeOfDay(at)
	if err != nil {
		t.Fatal(err)
	}
	return backup.Timing{Location: loc, Frequency: freq, Hour: h, Minute: m, Days: days}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestSlotsAcrossDST: spring forward runs a missing wall-clock time at the first valid instant
// after it (the moment the clocks jump); fall back runs a twice-occurring time once, at its first
// occurrence. Europe/Berlin switches at 02:00→03:00 (29 March 2026) and 03:00→02:00 (25 October
// 2026); America/New_York at 02:00→03:00 (8 March 2026) and 02:00→01:00 (1 November 2026).
func TestSlotsAcrossDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		tz, at      string
		after       string
		want, then  string // the next slot after `after`, and the one after that
		wantLocal   string
		latestAt    string // LatestAtOrBefore of this instant ...
		latestWant  string // ... is this slot
		description string
	}{
		{name: "Berlin spring forward", tz: "Europe/Berlin", at: "02:30",
			after: "2026-03-28T12:00:00Z", want: "2026-03-29T01:00:00Z", wantLocal: "03:00 CEST", then: "2026-03-30T00:30:00Z",
			latestAt: "2026-03-29T01:00:30Z", latestWant: "2026-03-29T01:00:00Z"},
		{name: "Berlin fall back", tz: "Europe/Berlin", at: "02:30",
			after: "2026-10-24T12:00:00Z", want: "2026-10-25T00:30:00Z", wantLocal: "02:30 CEST", then: "2026-10-26T01:30:00Z",
			// the second 02:30 (CET, 01:30Z) is not a slot: the latest slot is still the first one
			latestAt: "2026-10-25T01:30:30Z", latestWant: "2026-10-25T00:30:00Z"},
		{name: "New York spring forward", tz: "America/New_York", at: "02:30",
			after: "2026-03-07T12:00:00Z", want: "2026-03-08T07:00:00Z", wantLocal: "03:00 EDT", then: "2026-03-09T06:30:00Z",
			latestAt: "2026-03-08T07:59:00Z", latestWant: "2026-03-08T07:00:00Z"},
		{name: "New York fall back", tz: "America/New_York", at: "01:30",
			after: "2026-10-31T12:00:00Z", want: "2026-11-01T05:30:00Z", wantLocal: "01:30 EDT", then: "2026-11-02T06:30:00Z",
			latestAt: "2026-11-01T06:30:00Z", latestWant: "2026-11-01T05:30:00Z"},
		{name: "New York untouched hour on a DST day", tz: "America/New_York", at: "09:15",
			after: "2026-03-08T00:00:00Z", want: "2026-03-08T13:15:00Z", wantLocal: "09:15 EDT", then: "2026-03-09T13:15:00Z",
			latestAt: "2026-03-08T13:14:59Z", latestWant: "2026-03-07T14:15:00Z"},
	}
	for _, c := range cases {
		tm := timing(t, c.tz, backup.Daily, c.at)
		got := tm.NextAfter(utc(c.after))
		if !got.Equal(utc(c.want)) {
			t.Errorf("%s: next after %s = %s, want %s", c.name, c.after, got.Format(time.RFC3339), c.want)
		}
		if local := got.In(tm.Location).Format("15:04 MST"); local != c.wantLocal {
			t.Errorf("%s: slot is %s local, want %s", c.name, local, c.wantLocal)
		}
		if then := tm.NextAfter(got); !then.Equal(utc(c.then)) {
			t.Errorf("%s: the slot after %s = %s, want %s", c.name, c.want, then.Format(time.RFC3339), c.then)
		}
		if l := tm.LatestAtOrBefore(utc(c.latestAt)); !l.Equal(utc(c.latestWant)) {
			t.Errorf("%s: latest at or before %s = %s, want %s", c.name, c.latestAt, l.Format(time.RFC3339), c.latestWant)
		}
	}
}

// TestSlotsRunOncePerDayAcrossFallBack walks minute by minute through the repeated hour: the
// latest due slot changes exactly once that day.
func TestSlotsRunOncePerDayAcrossFallBack(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ tz, at, from string }{
		{"America/New_York", "01:30", "2026-11-01T04:00:00Z"},
		{"Europe/Berlin", "02:30", "2026-10-24T23:00:00Z"},
	} {
		tm := timing(t, c.tz, backup.Daily, c.at)
		seen := map[time.Time]bool{}
		start := utc(c.from)
		for m := 0; m < 6*60; m++ {
			now := start.Add(time.Duration(m) * time.Minute)
			if s := tm.LatestAtOrBefore(now); s.After(start.Add(-time.Hour)) {
				seen[s] = true
			}
		}
		if len(seen) != 1 {
			t.Errorf("%s %s: %d distinct due slots in the six hours around fall back, want 1: %v", c.tz, c.at, len(seen), seen)
		}
	}
}

func TestWeeklySlots(t *testing.T) {
	t.Parallel()
	// Monday and Friday at 06:00 in Berlin. 2026-03-04 is a Wednesday.
	tm := timing(t, "Europe/Berlin", backup.Weekly, "06:00", 1, 5)
	got := tm.NextAfter(utc("2026-03-04T10:00:00Z"))
	if !got.Equal(utc("2026-03-06T05:00:00Z")) {
		t.Fatalf("next = %s, want Friday 06:00 CET", got)
	}
	got = tm.NextAfter(got)
	if !got.Equal(utc("2026-03-09T05:00:00Z")) {
		t.Fatalf("then = %s, want Monday 06:00 CET", got)
	}
	// Sunday only (ISO 7).
	sun := timing(t, "UTC", backup.Weekly, "23:59", 7)
	if got := sun.NextAfter(utc("2026-03-02T00:00:00Z")); !got.Equal(utc("2026-03-08T23:59:00Z")) {
		t.Fatalf("sunday = %s", got)
	}
	if got := sun.LatestAtOrBefore(utc("2026-03-08T23:58:59Z")); !got.Equal(utc("2026-03-01T23:59:00Z")) {
		t.Fatalf("latest sunday = %s", got)
	}
	// A weekly timing without days has no slot.
	if got := timing(t, "UTC", backup.Weekly, "01:00").NextAfter(utc("2026-03-02T00:00:00Z")); !got.IsZero() {
		t.Fatalf("no days gave %s", got)
	}
}

func TestParseTimeOfDayAndTimezone(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"00:00", "23:59", "02:30", "02:30:00"} {
		if _, _, err := backup.ParseTimeOfDay(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "24:00", "2:30", "02:60", "02:30:01", "0230", "+2:30", "02:+3", "ab:cd", "02:30 "} {
		if _, _, err := backup.ParseTimeOfDay(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, ok := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} {
		if _, err := backup.LoadTimezone(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../etc/passwd", "Europe/Berlin "} {
		if _, err := backup.LoadTimezone(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFormatSlot(t *testing.T) {
	t.Parallel()
	berlin, _ := backup.LoadTimezone("Europe/Berlin")
	got := backup.FormatSlot(time.Date(2026, 3, 29, 3, 0, 0, 500, berlin))
	if got != "2026-03-29T01:00:00Z" {
		t.Fatalf("FormatSlot = %s", got)
	}
}
