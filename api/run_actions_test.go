package api_test

import (
	"strings"
	"testing"
)

// startSync starts an inventory sync of the world's tenant as the operator and returns its id.
func (w *workersWorld) startSync(body any) int64 {
	w.t.Helper()
	res := w.do("POST", w.tenantPath("/inventory/sync"), w.operator, body)
	if res.Status != 202 {
		w.t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	return int64(res.json(w.t)["id"].(float64))
}

func (w *workersWorld) runPath(id int64, rest string) string {
	return "/api/v1/operation-runs/" + itoa(id) + rest
}

// auditActions lists the actions of a run's audit trail, oldest first.
func (w *workersWorld) auditActions(id int64, token string) []string {
	w.t.Helper()
	res := w.do("GET", w.runPath(id, "/audit"), token, nil)
	if res.Status != 200 {
		w.t.Fatalf("audit: %d %s", res.Status, res.Body)
	}
	var out []string
	for _, e := range res.json(w.t)["data"].([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

func TestCancelQueuedRunCompletesAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(nil)

	res := w.do("POST", w.runPath(id, "/cancel"), w.operator, nil)
	if res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	run := res.json(t)
	if run["status"] != "completed" || run["outcome"] != "cancelled" {
		t.Fatalf("cancelled run: %s", res.Body)
	}
	if !strings.Contains(string(res.Body), `"code":"run.cancelled"`) || !strings.Contains(string(res.Body), "Cancelled by operator") {
		t.Errorf("the run does not say who cancelled it: %s", res.Body)
	}
	if n := w.count(`SELECT count(*) FROM river_job j JOIN operation_runs r ON r.job_id = j.id WHERE r.id = $1 AND j.state = 'cancelled'`, id); n != 1 {
		t.Errorf("the run's job was not cancelled")
	}
	// Repeating it is harmless: the same answer, nothing new in the trail.
	if again := w.do("POST", w.runPath(id, "/cancel"), w.operator, nil); again.Status != 200 {
		t.Errorf("repeated cancel: %d %s", again.Status, again.Body)
	}
	if got := strings.Join(w.auditActions(id, w.operator), ","); got != "started,cancelled" {
		t.Errorf("audit trail %s", got)
	}
	entry := w.do("GET", w.runPath(id, "/audit"), w.owner, nil).json(t)["data"].([]any)[1].(map[string]any)
	actor := entry["actor"].(map[string]any)
	if actor["kind"] != "user" || actor["name"] != "operator" || actor["via"] != "token" || actor["token_id"] == nil {
		t.Errorf("cancel entry actor %v", actor)
	}
	// The identity is free again: a new start is a new run.
	if next := w.startSync(nil); next == id {
		t.Errorf("the cancelled run was reused")
	}
}

func TestCancelRunningRunAsksItsWorkerToStop(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(nil)
	w.exec(`UPDATE operation_runs SET status = 'running', started_at = now() WHERE id = $1`, id)

	res := w.do("POST", w.runPath(id, "/cancel"), w.owner, nil)
	if res.Status != 202 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	run := res.json(t)
	by, _ := run["cancel_requested_by"].(map[string]any)
	if run["status"] != "running" || run["cancel_requested_at"] == nil || by["name"] != "owner" {
		t.Fatalf("run after the request: %s", res.Body)
	}
	if again := w.do("POST", w.runPath(id, "/cancel"), w.operator, nil); again.Status != 202 {
		t.Errorf("repeated cancel: %d %s", again.Status, again.Body)
	}
	if got := strings.Join(w.auditActions(id, w.owner), ","); got != "started,cancel_requested" {
		t.Errorf("audit trail %s", got)
	}
}

func TestRunActionsRefuseWhatTheyCannotDo(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(nil)

	// A readonly member may not act on an inventory sync (nor view it); an outsider is told
	// nothing; without a token, 401.
	for _, action := range []string{"/cancel", "/retry", "/audit"} {
		method := "POST"
		if action == "/audit" {
			method = "GET"
		}
		if res := w.do(method, w.runPath(id, action), w.readonly, nil); res.Status != 403 {
			t.Errorf("readonly %s: %d %s", action, res.Status, res.Body)
		}
		outsider := w.do(method, w.runPath(id, action), w.outsider, nil)
		missing := w.do(method, w.runPath(id+1000, action), w.outsider, nil)
		if outsider.Status != 404 || string(outsider.Body) != string(missing.Body) {
			t.Errorf("outsider %s: %d %s", action, outsider.Status, outsider.Body)
		}
		if res := w.do(method, w.runPath(id, action), "", nil); res.Status != 401 {
			t.Errorf("anonymous %s: %d", action, res.Status)
		}
	}
	if n := w.count(`SELECT count(*) FROM operation_runs WHERE id = $1 AND status = 'queued'`, id); n != 1 {
		t.Fatalf("a refused action changed the run")
	}

	// A queued run cannot be retried; a succeeded one can be neither cancelled nor retried.
	if res := w.do("POST", w.runPath(id, "/retry"), w.operator, nil); res.Status != 409 {
		t.Errorf("retry of a queued run: %d %s", res.Status, res.Body)
	} else {
		problemField(t, res, "run.not_retryable", "")
	}
	w.complete(id)
	res := w.do("POST", w.runPath(id, "/cancel"), w.operator, nil)
	if res.Status != 409 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("cancel of a completed run: %d %s", res.Status, res.Body)
	}
	problemField(t, res, "run.completed", "")
	if res := w.do("POST", w.runPath(id, "/retry"), w.operator, nil); res.Status != 409 {
		t.Errorf("retry of a succeeded run: %d %s", res.Status, res.Body)
	}
	if got := strings.Join(w.auditActions(id, w.owner), ","); got != "started" {
		t.Errorf("refused actions were audited: %s", got)
	}
}

func TestRetryCreatesALinkedRun(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(map[string]any{"policy_types": []string{"deviceConfiguration"}, "include_foundations": false})
	w.exec(`UPDATE operation_runs SET status = 'completed', outcome = 'failed', started_at = now() - interval '1 minute',
		completed_at = now() WHERE id = $1`, id)

	res := w.do("POST", w.runPath(id, "/retry"), w.owner, nil)
	if res.Status != 202 {
		t.Fatalf("retry: %d %s", res.Status, res.Body)
	}
	next := res.json(t)
	nextID := int64(next["id"].(float64))
	if res.Header.Get("Location") != w.runPath(nextID, "") || nextID == id {
		t.Fatalf("Location %q for run %d", res.Header.Get("Location"), nextID)
	}
	ctx := next["context"].(map[string]any)
	if next["type"] != "inventory_sync" || int64(ctx["retry_of"].(float64)) != id || next["status"] != "queued" {
		t.Fatalf("retry run: %s", res.Body)
	}
	if sel := ctx["selection"].(map[string]any); len(sel["policy_types"].([]any)) != 1 || next["initiator"].(map[string]any)["name"] != "owner" {
		t.Errorf("the retry does not repeat the selection or name its starter: %s", res.Body)
	}
	var oldHash, newHash string
	if err := w.db.SQL.QueryRow(`SELECT a.run_identity_hash, b.run_identity_hash FROM operation_runs a, operation_runs b WHERE a.id = $1 AND b.id = $2`,
		id, nextID).Scan(&oldHash, &newHash); err != nil || oldHash != newHash {
		t.Errorf("the retry has another identity: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM river_job j JOIN operation_runs r ON r.job_id = j.id WHERE r.id = $1`, nextID); n != 1 {
		t.Errorf("the retry has no job")
	}
	if got := strings.Join(w.auditActions(id, w.owner), ","); got != "started,retried" {
		t.Errorf("old run's trail %s", got)
	}
	if got := strings.Join(w.auditActions(nextID, w.owner), ","); got != "started" {
		t.Errorf("new run's trail %s", got)
	}
	trail := w.do("GET", w.runPath(id, "/audit"), w.owner, nil).json(t)["data"].([]any)
	if int64(trail[1].(map[string]any)["related_run_id"].(float64)) != nextID {
		t.Errorf("the retried entry does not name the new run: %v", trail[1])
	}

	// While the retry is active, retrying again answers with it (identity rules still apply).
	again := w.do("POST", w.runPath(id, "/retry"), w.operator, nil)
	if again.Status != 200 || int64(again.json(t)["id"].(float64)) != nextID {
		t.Errorf("second retry: %d %s", again.Status, again.Body)
	}
	// A cancelled run can be retried too.
	w.do("POST", w.runPath(nextID, "/cancel"), w.operator, nil)
	if res := w.do("POST", w.runPath(nextID, "/retry"), w.operator, nil); res.Status != 202 {
		t.Errorf("retry of a cancelled run: %d %s", res.Status, res.Body)
	}
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(nil)
	for _, q := range []string{`UPDATE operation_run_audit SET actor_name = 'someone else' WHERE run_id = $1`,
		`DELETE FROM operation_run_audit WHERE run_id = $1`} {
		if _, err := w.db.SQL.Exec(q, id); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := w.db.SQL.Exec(`TRUNCATE operation_run_audit`); err == nil {
		t.Errorf("the trail could be truncated")
	}
}

func TestRunDetailShowsProgress(t *testing.T) {
	t.Parallel()
	w := newWorkersWorld(t)
	id := w.startSync(nil)
	if p := w.do("GET", w.runPath(id, ""), w.operator, nil).json(t)["progress"]; p != nil {
		t.Errorf("progress before any report: %v", p)
	}
	w.exec(`UPDATE operation_runs SET status = 'running', started_at = now(), progress_processed = 40, progress_total = 120 WHERE id = $1`, id)
	p, _ := w.do("GET", w.runPath(id, ""), w.operator, nil).json(t)["progress"].(map[string]any)
	if p["processed"] != 40.0 || p["total"] != 120.0 {
		t.Errorf("progress %v", p)
	}
}
