package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestOperability(t *testing.T) {
	t.Parallel()
	w := newMonitoringWorld(t)

	res := w.do(http.MethodGet, "/api/v1/operation-runs?limit=1", w.token, nil, "Origin", "http://localhost:5173")
	h := res.Header
	if h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("allowed origin not echoed: %q", h.Get("Access-Control-Allow-Origin"))
	}
	for _, exposed := range []string{"Link", "ETag", "Location"} {
		if !strings.Contains(h.Get("Access-Control-Expose-Headers"), exposed) {
			t.Errorf("%s not exposed: %q", exposed, h.Get("Access-Control-Expose-Headers"))
		}
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Request-Id") == "" {
		t.Errorf("security headers or request id missing: %v", h)
	}
	if res := w.do(http.MethodGet, "/api/v1/operation-runs?limit=1", w.token, nil, "Origin", "https://evil.example"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin allowed")
	}
	pre := w.do(http.MethodOptions, "/api/v1/operation-runs", "", nil, "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET")
	if pre.Status != http.StatusNoContent || !strings.Contains(pre.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight = %d %v", pre.Status, pre.Header)
	}

	m := w.do(http.MethodGet, "/metrics", "", nil)
	body := string(m.Body)
	if m.Status != http.StatusOK || !strings.Contains(body, `tenantatlas_http_request_duration_seconds_count{method="GET",route="/api/v1/operation-runs",status="200"}`) {
		t.Errorf("latency by route and status missing from /metrics")
	}
	if !strings.Contains(body, `tenantatlas_operation_runs{outcome="pending",status="running",type="inventory_sync"}`) {
		t.Errorf("runs by type, status and outcome missing from /metrics")
	}
}
