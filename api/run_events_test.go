package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/api"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/runevents"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// streamProcess is one API process that streams run events: its hub fed by its own LISTEN
// connection (memberships, tokens and run events, as `tenantatlas serve` wires them), served by a
// real HTTP server with the production timeouts.
type streamProcess struct {
	*env
	hub *runevents.Hub
	url string
}

// newStreamProcess starts an API process over tdb; timeouts, when set, replaces the server's
// read and write timeouts.
func newStreamProcess(t *testing.T, tdb *dbtest.DB, timeouts time.Duration) *streamProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub, err := runevents.New(ctx, tdb.SQL)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, tdb, func(d *api.Deps) { d.Events = hub; d.StreamHeartbeat = 100 * time.Millisecond })
	listening := make(chan struct{})
	var once bool
	go hub.Run(ctx)
	go func() {
		_ = tenancy.Listen(ctx, tdb.URL, map[string]func(string){
			tenancy.ChannelMemberships:  func(string) { _ = e.authz.Reload(ctx) },
			tenancy.ChannelTokens:       e.auth.Invalidate,
			operations.ChannelRunEvents: hub.Notify,
		}, func() {
			e.auth.InvalidateAll()
			_ = e.authz.Reload(ctx)
			hub.Resync()
			if !once {
				once = true
				close(listening)
			}
		})
	}()
	hs := e.srv.HTTPServer("")
	if timeouts > 0 {
		hs.ReadTimeout, hs.WriteTimeout = timeouts, timeouts
	}
	ts := httptest.NewUnstartedServer(hs.Handler)
	ts.Config = hs
	ts.Start()
	t.Cleanup(func() {
		cancel()
		e.srv.CloseStreams()
		ts.Close()
	})
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal("the process never listened")
	}
	return &streamProcess{env: e, hub: hub, url: ts.URL}
}

// sse is one server-sent event.
type sse struct {
	ID    string
	Event string
	Data  string
}

func (ev sse) run(t *testing.T) (operations.Change, int64, map[string]any) {
	t.Helper()
	var body struct {
		Change operations.Change `json:"change"`
		Run    map[string]any    `json:"run"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &body); err != nil {
		t.Fatalf("event data %q: %v", ev.Data, err)
	}
	return body.Change, int64(body.Run["id"].(float64)), body.Run
}

// stream is an open GET /operation-runs/events.
type stream struct {
	t      *testing.T
	res    *http.Response
	events chan sse
	cancel context.CancelFunc
	retry  string
}

// open connects and waits until the stream is live (its ready event).
func (p *streamProcess) open(t *testing.T, query, token string, headers ...string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/api/v1/operation-runs/events"+query, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("stream answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &stream{t: t, res: res, events: make(chan sse, 1000), cancel: cancel}
	t.Cleanup(s.close)
	go s.read()
	return s
}

func (s *stream) close() {
	s.cancel()
	_ = s.res.Body.Close()
}

func (s *stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var ev sse
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil || ev.Event != "" {
				ev.Data = strings.Join(data, "\n")
				s.events <- ev
			}
			ev, data = sse{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "retry: "):
			s.retry = strings.TrimPrefix(line, "retry: ")
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
}

// next returns the next event of any kind; it fails the test when the stream ends or stays
// silent for long (a bound for a broken test, not a measure).
func (s *stream) next() sse {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(15 * time.Second):
		s.t.Fatal("no event")
	}
	return sse{}
}

// ready consumes the ready event that starts a stream and returns its id.
func (s *stream) ready() string {
	s.t.Helper()
	ev := s.next()
	if ev.Event != "ready" {
		s.t.Fatalf("first event %q %q, want ready", ev.Event, ev.Data)
	}
	return ev.ID
}

// nextRun returns the next run event as (run id, change, event id).
func (s *stream) nextRun() (int64, operations.Change, string) {
	s.t.Helper()
	ev := s.next()
	if ev.Event != "run" {
		s.t.Fatalf("event %q %q, want a run event", ev.Event, ev.Data)
	}
	change, id, _ := ev.run(s.t)
	return id, change, ev.ID
}

// expectRun reads run events until one of run id arrives with the change, failing on any event
// of a run in notOf first.
func (s *stream) expectRun(id int64, change operations.Change, notOf ...int64) string {
	s.t.Helper()
	for {
		got, ch, eid := s.nextRun()
		for _, n := range notOf {
			if got == n {
				s.t.Fatalf("the stream sent run %d (%s), which it must not", got, ch)
			}
		}
		if got == id && ch == change {
			return eid
		}
	}
}

// eventsWorld: a workspace with two tenants, another workspace, and members.
type eventsWorld struct {
	tdb                       *dbtest.DB
	svc                       *operations.Service
	ws, otherWS               int64
	tenantA, tenantB, foreign int64
	owner, operator, readonly string
	operatorID                int64
	ownerID                   int64
}

func newEventsWorld(t *testing.T, e *env) *eventsWorld {
	t.Helper()
	w := &eventsWorld{tdb: e.db, svc: operations.NewService(e.db.Gorm)}
	w.ws = e.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso', 'contoso')`)
	w.otherWS = e.id(`INSERT INTO workspaces (name, slug) VALUES ('Other', 'other')`)
	w.tenantA = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'A', 'e-a')`, w.ws)
	w.tenantB = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'B', 'e-b')`, w.ws)
	w.foreign = e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'F', 'e-f')`, w.otherWS)
	owner, ownerTok := e.user("owner@contoso.test", false)
	op, opTok := e.user("operator@contoso.test", false)
	ro, roTok := e.user("readonly@contoso.test", false)
	w.owner, w.operator, w.readonly, w.operatorID, w.ownerID = ownerTok, opTok, roTok, op.ID, owner.ID
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, w.ws, owner.ID)
	for _, u := range []struct {
		id   int64
		role string
	}{{op.ID, "operator"}, {ro.ID, "readonly"}} {
		e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, w.ws, u.id, u.role)
		e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, w.tenantA, u.id, u.role)
		e.id(`INSERT INTO tenant_memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, w.tenantB, u.id, u.role)
	}
	e.reload()
	return w
}

// start creates a new queued run of typ in tenant (of workspace ws).
func (w *eventsWorld) start(t *testing.T, ws, tenant int64, typ string) int64 {
	t.Helper()
	run, _, err := w.svc.Ensure(context.Background(), nil, operations.EnsureInput{WorkspaceID: ws, TenantID: &tenant, Type: typ,
		IdentityRule: operations.IdentityAlwaysNew})
	if err != nil {
		t.Fatal(err)
	}
	return run.ID
}

func (w *eventsWorld) move(t *testing.T, id int64, to operations.Status) {
	t.Helper()
	tr := operations.Transition{To: to}
	if to == operations.StatusCompleted {
		tr.Outcome = operations.OutcomeSucceeded
	}
	if _, err := w.svc.Transition(context.Background(), nil, id, tr); err != nil {
		t.Fatal(err)
	}
}

// A run started through the API in a visible tenant reaches an open stream, carrying the run
// as the detail endpoint renders it, with its event number as the id; its start and completion
// follow.
func TestRunEventReachesOpenStream(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.owner)
	s.ready()
	if s.retry == "" {
		t.Error("no retry: hint")
	}
	res := p.do(http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/inventory/sync", w.tenantA), w.owner, nil)
	if res.Status != http.StatusAccepted {
		t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	runID := int64(res.json(t)["id"].(float64))
	ev := s.next()
	change, id, run := ev.run(t)
	if ev.Event != "run" || id != runID || change != operations.ChangeCreated {
		t.Fatalf("got %s %s for run %d, want run created for %d", ev.Event, change, id, runID)
	}
	detail := p.do(http.MethodGet, fmt.Sprintf("/api/v1/operation-runs/%d", runID), w.owner, nil).json(t)
	got, _ := json.Marshal(run)
	want, _ := json.Marshal(detail)
	if string(got) != string(want) {
		t.Fatalf("event run\n%s\nwant the detail\n%s", got, want)
	}
	if n, err := strconv.ParseInt(ev.ID, 10, 64); err != nil || n < 1 {
		t.Fatalf("event id %q is not an event number", ev.ID)
	}
	w.move(t, runID, operations.StatusRunning)
	w.move(t, runID, operations.StatusCompleted)
	s.expectRun(runID, operations.ChangeStarted)
	s.expectRun(runID, operations.ChangeCompleted)
}

// A run of a foreign workspace, or of a type the caller may not view (a readonly member and an
// inventory sync), never reaches the stream: not its data, not its id. Events come in commit
// order, so a visible run changed afterwards bounds the wait.
func TestRunEventsOfInvisibleRunsNeverArrive(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.readonly)
	s.ready()
	foreign := w.start(t, w.otherWS, w.foreign, operations.TypeDriftGenerateFindings)
	forbidden := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	visible := w.start(t, w.ws, w.tenantA, operations.TypeDriftGenerateFindings)
	w.move(t, foreign, operations.StatusRunning)
	w.move(t, forbidden, operations.StatusRunning)
	w.move(t, visible, operations.StatusRunning)
	for _, want := range []operations.Change{operations.ChangeCreated, operations.ChangeStarted} {
		ev := s.next()
		change, id, _ := ev.run(t)
		if ev.Event != "run" || id != visible || change != want {
			t.Fatalf("got %s %s of run %d, want %s of the visible run %d (foreign %d, forbidden %d)",
				ev.Event, change, id, want, visible, foreign, forbidden)
		}
	}
	// The owner sees the forbidden type, but still nothing of the other workspace.
	o := p.open(t, "", w.owner)
	o.ready()
	w.move(t, foreign, operations.StatusCompleted)
	w.move(t, forbidden, operations.StatusCompleted)
	o.expectRun(forbidden, operations.ChangeCompleted, foreign)
}

// The list's filters apply to the stream, and a bad one is the list's 400.
func TestRunEventStreamFilters(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, fmt.Sprintf("?tenant_id=%d&tab=active", w.tenantB), w.owner)
	s.ready()
	inA := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	inB := w.start(t, w.ws, w.tenantB, operations.TypeInventorySync)
	s.expectRun(inB, operations.ChangeCreated, inA)
	w.move(t, inB, operations.StatusRunning)
	s.expectRun(inB, operations.ChangeStarted, inA)
	w.move(t, inB, operations.StatusCompleted) // leaves the active tab
	after := w.start(t, w.ws, w.tenantB, operations.TypeEntraGroupSync)
	if id, ch, _ := s.nextRun(); id != after || ch != operations.ChangeCreated {
		t.Fatalf("got run %d %s, want %d created (the completion left the filter)", id, ch, after)
	}

	for _, q := range []string{"?tab=nope", "?limit=5", "?tenant_id=x", "?last_event_id=-1"} {
		res := p.do(http.MethodGet, "/api/v1/operation-runs/events"+q, w.owner, nil)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, res.Status)
		}
	}
	res := p.do(http.MethodGet, "/api/v1/operation-runs/events", w.owner, nil, "Last-Event-ID", "abc")
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "Last-Event-ID") {
		t.Errorf("a malformed Last-Event-ID: %d %s", res.Status, res.Body)
	}
}

// Resuming with Last-Event-ID delivers every visible event that happened while the client was
// away, in order, and nothing twice.
func TestRunEventStreamResumesWithoutLoss(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.operator)
	s.ready()
	first := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	_, _, last := s.nextRun()
	s.close()

	var want []string
	a := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	want = append(want, fmt.Sprintf("%d:created", a))
	w.start(t, w.otherWS, w.foreign, operations.TypeInventorySync)
	w.move(t, first, operations.StatusRunning)
	want = append(want, fmt.Sprintf("%d:started", first))
	b := w.start(t, w.ws, w.tenantB, operations.TypeEntraGroupSync)
	want = append(want, fmt.Sprintf("%d:created", b))
	w.move(t, a, operations.StatusCompleted)
	want = append(want, fmt.Sprintf("%d:completed", a))

	r := p.open(t, "", w.operator, "Last-Event-ID", last)
	var got []string
	prev, _ := strconv.ParseInt(last, 10, 64)
	for len(got) < len(want) {
		id, ch, eid := r.nextRun()
		n, _ := strconv.ParseInt(eid, 10, 64)
		if n <= prev {
			t.Fatalf("event %d after %d: out of order or repeated", n, prev)
		}
		prev = n
		got = append(got, fmt.Sprintf("%d:%s", id, ch))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("resumed with %v, want %v", got, want)
	}
	if ev := r.next(); ev.Event != "ready" {
		t.Fatalf("after catching up: %q, want ready", ev.Event)
	}
	// And live from there; the same position as a parameter works too (a new EventSource).
	c := w.start(t, w.ws, w.tenantB, operations.TypeEntraGroupSync)
	r.expectRun(c, operations.ChangeCreated)
	q := p.open(t, "?last_event_id="+last, w.operator)
	if id, ch, _ := q.nextRun(); fmt.Sprintf("%d:%s", id, ch) != want[0] {
		t.Fatalf("resumed by parameter with %d:%s, want %s", id, ch, want[0])
	}
}

// Past the retention window the stream cannot say what was missed: it says resync.
func TestRunEventStreamResyncBeyondRetention(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.owner)
	s.ready()
	run := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	_, _, last := s.nextRun()
	s.close()
	w.move(t, run, operations.StatusRunning)
	if _, err := w.svc.PruneEvents(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := p.open(t, "", w.owner, "Last-Event-ID", last)
	ev := r.next()
	if ev.Event != "resync" || !strings.Contains(ev.Data, "expired") {
		t.Fatalf("got %q %q, want a resync", ev.Event, ev.Data)
	}
	r.ready()
	w.move(t, run, operations.StatusCompleted)
	r.expectRun(run, operations.ChangeCompleted)

	// A position this stream never gave out is no position either.
	u := p.open(t, "", w.owner, "Last-Event-ID", "99999999")
	if ev := u.next(); ev.Event != "resync" || !strings.Contains(ev.Data, "unknown_position") {
		t.Fatalf("got %q %q for an unknown position, want a resync", ev.Event, ev.Data)
	}
}

// Two API processes on one database both deliver, whichever of them started the run.
func TestRunEventsReachStreamsOfEveryProcess(t *testing.T) {
	t.Parallel()
	tdb := dbtest.New(t)
	a := newStreamProcess(t, tdb, 0)
	b := newStreamProcess(t, tdb, 0)
	w := newEventsWorld(t, a.env)
	b.reload()
	sa, sb := a.open(t, "", w.owner), b.open(t, "", w.owner)
	sa.ready()
	sb.ready()
	res := a.do(http.MethodPost, fmt.Sprintf("/api/v1/tenants/%d/inventory/sync", w.tenantA), w.owner, nil)
	if res.Status != http.StatusAccepted {
		t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	runID := int64(res.json(t)["id"].(float64))
	idA := sa.expectRun(runID, operations.ChangeCreated)
	idB := sb.expectRun(runID, operations.ChangeCreated)
	if idA != idB {
		t.Fatalf("the processes numbered the event %s and %s", idA, idB)
	}
}

// Removing a membership stops the stream's events for that tenant at once; the stream goes on
// for the tenants still visible.
func TestRemovedMembershipStopsEvents(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.operator)
	s.ready()
	before := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	s.expectRun(before, operations.ChangeCreated)

	if err := p.tenancy.RemoveTenantMember(context.Background(), w.tenantA, w.operatorID); err != nil {
		t.Fatal(err)
	}
	w.move(t, before, operations.StatusRunning)
	hidden := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	visible := w.start(t, w.ws, w.tenantB, operations.TypeInventorySync)
	s.expectRun(visible, operations.ChangeCreated, before, hidden)
}

// A stream outlives the server's read and write timeouts, and ends when its token is revoked.
func TestRunEventStreamOutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 300*time.Millisecond)
	w := newEventsWorld(t, p.env)
	s := p.open(t, "", w.owner)
	s.ready()
	time.Sleep(time.Second)
	run := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	s.expectRun(run, operations.ChangeCreated)

	if err := p.tenancy.RevokeTokenByPlaintext(context.Background(), w.owner); err != nil {
		t.Fatal(err)
	}
	for ev := range s.events {
		if ev.Event == "run" {
			if _, id, _ := ev.run(t); id != run {
				t.Fatalf("an event after revocation: %s", ev.Data)
			}
		}
	}
}

// The SPA opens its stream with a ticket: single use, bound to the token, never a token in the
// URL.
func TestStreamTickets(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	res := p.do(http.MethodPost, "/api/v1/operation-runs/events/tickets", w.operator, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("ticket: %d %s", res.Status, res.Body)
	}
	ticket := res.json(t)["ticket"].(string)
	if !strings.HasPrefix(ticket, tenancy.TicketPrefix) {
		t.Fatalf("ticket %q", ticket)
	}
	s := p.open(t, "?ticket="+ticket, "")
	s.ready()
	run := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	s.expectRun(run, operations.ChangeCreated)

	for name, q := range map[string]string{"used": ticket, "made up": tenancy.TicketPrefix + strings.Repeat("A", 43), "a token": w.operator, "none": ""} {
		res := p.do(http.MethodGet, "/api/v1/operation-runs/events?ticket="+q, "", nil)
		if res.Status != http.StatusUnauthorized {
			t.Errorf("%s ticket: %d, want 401", name, res.Status)
		}
	}
	// A ticket dies with its token.
	res = p.do(http.MethodPost, "/api/v1/operation-runs/events/tickets", w.readonly, nil)
	ticket = res.json(t)["ticket"].(string)
	if err := p.tenancy.RevokeTokenByPlaintext(context.Background(), w.readonly); err != nil {
		t.Fatal(err)
	}
	p.auth.Invalidate(tenancy.HashToken(w.readonly))
	if res := p.do(http.MethodGet, "/api/v1/operation-runs/events?ticket="+ticket, "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("the ticket of a revoked token: %d, want 401", res.Status)
	}
	if res := p.do(http.MethodGet, "/api/v1/operation-runs/events", "", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", res.Status)
	}
}

// The stream's answer, checked against the contract like every other response: served until
// the request is cancelled.
func TestRunEventStreamContract(t *testing.T) {
	t.Parallel()
	p := newStreamProcess(t, dbtest.New(t), 0)
	w := newEventsWorld(t, p.env)
	run := w.start(t, w.ws, w.tenantA, operations.TypeInventorySync)
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/operation-runs/events?last_event_id=0", nil)
	req.Header.Set("Authorization", "Bearer "+w.owner)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.srv.ServeHTTP(rec, req)
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	body := rec.Body.String()
	if !strings.Contains(body, "event: run\n") || !strings.Contains(body, fmt.Sprintf(`"id":%d,`, run)) || !strings.Contains(body, "event: ready\n") {
		t.Fatalf("stream body:\n%s", body)
	}
	check := httptest.NewRequest(http.MethodGet, "/api/v1/operation-runs/events?last_event_id=0", nil)
	check.Header = req.Header.Clone()
	contractCheck(t, check, nil, response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})
}
