package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/authz"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/runevents"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// The run event stream's timing.
const (
	// DefaultStreamHeartbeat is how often an idle stream sends a comment, so that proxies keep it
	// open and a dead client is noticed.
	DefaultStreamHeartbeat = 15 * time.Second
	// streamRetry is the reconnection delay the stream suggests to EventSource (retry:).
	streamRetry = 3 * time.Second
	// streamWriteTimeout bounds one write: a client that takes no data for this long is dropped.
	streamWriteTimeout = 30 * time.Second
	// catchUpBatch bounds one read of missed events.
	catchUpBatch = 500
)

// errStreamEnded ends a stream without an answer (the response is already under way).
var errStreamEnded = errors.New("stream ended")

// runEventJSON is the data of a run event: what changed, and the run as GET /operation-runs/{id}
// renders it.
type runEventJSON struct {
	Change operations.Change `json:"change"`
	Run    runJSON           `json:"run"`
}

type streamTicketJSON struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createStreamTicket trades the caller's token for a ticket that opens one event stream (for
// EventSource, which cannot send an Authorization header), so no token goes into a URL.
func (s *Server) createStreamTicket(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	ticket, expires, err := s.auth.IssueStreamTicket(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, streamTicketJSON{Ticket: ticket, ExpiresAt: expires})
}

// authenticateStream accepts a bearer token or, without an Authorization header, a stream ticket
// in the ticket query parameter.
func (s *Server) authenticateStream(next echo.HandlerFunc) echo.HandlerFunc {
	bearer := s.authenticate(next)
	return func(c echo.Context) error {
		if c.Request().Header.Get(echo.HeaderAuthorization) != "" {
			return bearer(c)
		}
		ticket := c.QueryParam("ticket")
		if ticket == "" {
			return unauthenticated()
		}
		p, err := s.auth.RedeemStreamTicket(c.Request().Context(), ticket)
		if err != nil {
			return err
		}
		c.Set(ctxPrincipal, p)
		return next(c)
	}
}

// lastEventID reads where a client resumes: the Last-Event-ID header (EventSource sends it when it
// reconnects) or the last_event_id parameter (a client that opens a new stream). nil: from now.
func lastEventID(c echo.Context) (*int64, error) {
	name, v := "Last-Event-ID", strings.TrimSpace(c.Request().Header.Get("Last-Event-ID"))
	if v == "" {
		name, v = "last_event_id", c.QueryParam("last_event_id")
	}
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, BadRequest("invalid_parameter", "The stream position is invalid.",
			FieldError{Field: name, Message: "must be the id of an event of this stream (a whole number)"})
	}
	return &n, nil
}

// runStream is one open event stream.
type runStream struct {
	s      *Server
	c      echo.Context
	rc     *http.ResponseController
	p      tenancy.Principal
	filter operations.Filter
	pos    int64 // the last event considered (sent or not)
}

// streamRunEvents serves GET /operation-runs/events: the changes of the runs the caller may view
// and the filters select, as server-sent events, live and resumable.
func (s *Server) streamRunEvents(c echo.Context) error {
	f, err := parseRunFilterAllowing(c, "ticket", "last_event_id")
	if err != nil {
		return err
	}
	resume, err := lastEventID(c)
	if err != nil {
		return err
	}
	if s.events == nil {
		return NewProblem(http.StatusServiceUnavailable, "events_unavailable", "This server does not stream run events; poll the run list instead.")
	}
	ctx := c.Request().Context()
	sub := s.events.Subscribe()
	defer func() { sub.Close() }()

	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// The server's read timeout would cancel a long-lived request; its write timeout would cut it.
	// Each write sets its own deadline instead.
	_ = rc.SetReadDeadline(time.Time{})
	st := &runStream{s: s, c: c, rc: rc, p: principal(c), filter: f}
	if err := st.write("retry: " + strconv.FormatInt(streamRetry.Milliseconds(), 10) + "\n\n"); err != nil {
		return nil
	}
	if err := st.start(resume, sub.Head); err != nil {
		return nil
	}
	heartbeat := time.NewTicker(s.heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case <-heartbeat.C:
			if !st.stillValid() || st.write(": heartbeat\n\n") != nil {
				return nil
			}
		case ev, ok := <-sub.C:
			if !ok {
				if !sub.Dropped() {
					return nil // the hub stopped: the server is shutting down
				}
				// Fell behind: catch up from the database where the stream stands.
				sub = s.events.Subscribe()
				if err := st.catchUp(st.pos, sub.Head); err != nil {
					return nil
				}
				continue
			}
			if err := st.send(ev); err != nil {
				return nil
			}
		}
	}
}

// start positions a new stream: from now, or after the client's last event (catching up from
// the database), then says it is live.
func (st *runStream) start(resume *int64, head int64) error {
	st.pos = head
	if resume != nil {
		if err := st.catchUp(*resume, head); err != nil {
			return err
		}
	}
	return st.write("id: " + strconv.FormatInt(st.pos, 10) + "\nevent: ready\ndata: {}\n\n")
}

// catchUp sends the events after from that the hub dispatched before this stream subscribed
// (through head), or a resync event when they can no longer all be read.
func (st *runStream) catchUp(from, head int64) error {
	ctx := st.c.Request().Context()
	b, err := operations.ReadEventBounds(ctx, st.s.sql)
	if err != nil {
		return err
	}
	if from < b.PrunedThrough || from > b.Last {
		// Events after from were pruned (or from is not a position of this stream): the client
		// must read the runs again; live events continue after head.
		st.pos = head
		return st.write("id: " + strconv.FormatInt(head, 10) + "\nevent: resync\ndata: {\"reason\":\"" +
			map[bool]string{true: "expired", false: "unknown_position"}[from < b.PrunedThrough] + "\"}\n\n")
	}
	st.pos = from
	for st.pos < head {
		events, err := operations.EventsAfter(ctx, st.s.sql, st.pos, catchUpBatch)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := st.send(runevents.Wrap(e)); err != nil {
				return err
			}
		}
		if len(events) < catchUpBatch {
			break
		}
	}
	st.pos = max(st.pos, head)
	return nil
}

// send writes the event if the caller may view its run now, by the rules of GET
// /operation-runs/{id}, and the stream's filters select it. Anything else leaves no trace.
func (st *runStream) send(ev *runevents.Event) error {
	if ev.Seq <= st.pos {
		return nil
	}
	st.pos = ev.Seq
	r := ev.Run
	if r == nil || !st.filter.Matches(*r) {
		return nil
	}
	capability := operations.CapabilityFor(r.Type)
	if st.s.authz.Decide(st.p.User.ID, authz.Scope{WorkspaceID: r.WorkspaceID, TenantID: r.TenantID}, capability) != authz.Allowed {
		return nil
	}
	if !st.stillValid() {
		return errStreamEnded
	}
	data, err := ev.Encode(func(run operations.Run) ([]byte, error) {
		return json.Marshal(runEventJSON{Change: ev.Change, Run: presentRun(run, true)})
	})
	if err != nil {
		return err
	}
	return st.write("id: " + strconv.FormatInt(ev.Seq, 10) + "\nevent: run\ndata: " + string(data) + "\n\n")
}

// stillValid reports whether the token the stream was opened with is still valid (a revoked
// token or a signed-out session ends the stream).
func (st *runStream) stillValid() bool {
	_, err := st.s.auth.VerifyHash(st.c.Request().Context(), st.p.TokenHash)
	return err == nil
}

func (st *runStream) write(s string) error {
	_ = st.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := st.c.Response().Write([]byte(s)); err != nil {
		return err
	}
	return st.rc.Flush()
}
