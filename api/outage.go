package api

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tenantatlas/operations/pkg/redact"
)

// databaseRetryAfter is what a 503 database_unavailable tells clients to wait.
const databaseRetryAfter = 2 * time.Second

// databaseUnavailable is the problem of a database that cannot be reached right now.
func databaseUnavailable() *Problem {
	p := NewProblem(http.StatusServiceUnavailable, "database_unavailable",
		"The database cannot be reached right now; try again shortly.")
	p.RetryAfter = databaseRetryAfter
	return p
}

// outage turns the many failed requests of one database outage into two log lines: one when the
// first request fails, and one with the count of failed answers once the database answers again
// (a ping every probeInterval, started by the first failure, finds out). Recovery itself needs
// nothing from it: the pool replaces broken connections by itself.
type outage struct {
	log   *slog.Logger
	db    *sql.DB
	probe time.Duration

	mu     sync.Mutex
	down   bool
	since  time.Time
	failed int64
}

func newOutage(log *slog.Logger, db *sql.DB) *outage {
	return &outage{log: log, db: db, probe: 250 * time.Millisecond}
}

// note counts one answer that failed because the database is unavailable.
func (o *outage) note(ctx context.Context, err error) {
	o.mu.Lock()
	o.failed++
	if o.down {
		o.mu.Unlock()
		return
	}
	o.down, o.since, o.failed = true, time.Now(), 1
	o.mu.Unlock()
	msg := ""
	if err != nil {
		msg = redact.String(err.Error())
	}
	o.log.ErrorContext(ctx, "database unavailable: answering 503 until it is back", "error", msg)
	go o.watch()
}

// watch pings the database until it answers, then ends the outage with its count.
func (o *outage) watch() {
	for {
		time.Sleep(o.probe)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := o.db.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		if err.Error() == "sql: database is closed" {
			return // the pool is gone: nothing to wait for
		}
	}
	o.mu.Lock()
	failed, since := o.failed, o.since
	o.down, o.failed = false, 0
	o.mu.Unlock()
	o.log.Info("database available again", "failed_answers", failed, "outage_seconds", time.Since(since).Round(time.Millisecond).Seconds())
}
