package api

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantatlas/operations/pkg/operations"
)

// runCollector exports recent runs by type, status and outcome. It reads the run history at scrape
// time (runs created in the last 24 hours, plus every active run) and keeps the answer for a few
// seconds, so frequent scrapes cost one query.
type runCollector struct {
	db   *sql.DB
	desc *prometheus.Desc
	ttl  time.Duration

	mu      sync.Mutex
	fetched time.Time
	rows    []runCount
}

type runCount struct {
	typ, status, outcome string
	n                    float64
}

func newRunCollector(db *sql.DB) *runCollector {
	return &runCollector{
		db:  db,
		ttl: 15 * time.Second,
		desc: prometheus.NewDesc("tenantatlas_operation_runs",
			"Operation runs created in the last 24 hours or still active, by type, status and outcome.",
			[]string{"type", "status", "outcome"}, nil),
	}
}

func (c *runCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *runCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.fetched) > c.ttl {
		if rows, err := c.query(); err == nil {
			c.rows, c.fetched = rows, time.Now()
		} else {
			ch <- prometheus.NewInvalidMetric(c.desc, err)
			return
		}
	}
	for _, r := range c.rows {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, r.n, r.typ, r.status, r.outcome)
	}
}

func (c *runCollector) query() ([]runCount, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := operations.MetricsSnapshot(ctx, c.db)
	if err != nil {
		return nil, err
	}
	out := make([]runCount, 0, len(counts))
	for _, r := range counts {
		out = append(out, runCount{typ: r.Type, status: string(r.Status), outcome: string(r.Outcome), n: float64(r.N)})
	}
	return out, nil
}
