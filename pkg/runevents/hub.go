// Package runevents fans the run events of one process out to its subscribers (the open event
// streams of the API).
//
// The database numbers every run change in commit order and announces it on
// operations.ChannelRunEvents (see operations.EventsAfter). A process listens on one connection
// (tenancy.Listen, with the process's other channels) and hands each announcement to its Hub,
// which reads the events past the last one it dispatched (so a lost announcement costs nothing
// but time), reads their runs once for all subscribers, and passes them on in order. A
// subscriber that cannot keep up is dropped, not waited for: it catches up from the database on
// its own (Subscription.Dropped), so one slow stream never holds up the others.
package runevents

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Defaults.
const (
	// DefaultBuffer is how many events a subscriber may lag behind before it is dropped.
	DefaultBuffer = 256
	// batch bounds one read of events.
	batch = 500
	// safetyPoll: the events are read this often even when no announcement came, in case one was
	// lost while the listening connection was healthy.
	safetyPoll = 30 * time.Second
	retryAfter = time.Second
)

// Event is a run event as subscribers receive it. Subscribers share it: it must not be changed.
type Event struct {
	operations.Event
	once sync.Once
	data []byte
	err  error
}

// Encode returns render(run), computed once for every subscriber of the event (what a stream
// sends does not depend on who receives it; whether it is sent does). It must not be called for
// an event without a run.
func (e *Event) Encode(render func(operations.Run) ([]byte, error)) ([]byte, error) {
	e.once.Do(func() { e.data, e.err = render(*e.Run) })
	return e.data, e.err
}

// Wrap makes an Event of an event read from the database (a subscriber catching up).
func Wrap(e operations.Event) *Event { return &Event{Event: e} }

// Hub dispatches the events of this process. Safe for concurrent use.
type Hub struct {
	db     operations.Querier
	log    *slog.Logger
	buffer int
	wake   chan struct{}

	mu   sync.Mutex
	subs map[*Subscription]struct{}
	last atomic.Int64 // the highest event dispatched
}

// Option configures a Hub.
type Option func(*Hub)

// WithBuffer sets how many events a subscriber may lag behind before it is dropped.
func WithBuffer(n int) Option { return func(h *Hub) { h.buffer = max(1, n) } }

// WithLogger sets where read failures are logged.
func WithLogger(l *slog.Logger) Option { return func(h *Hub) { h.log = l } }

// New returns a Hub over db, positioned after the newest event: subscribers receive what
// happens from now on (and read older events themselves).
func New(ctx context.Context, db operations.Querier, opts ...Option) (*Hub, error) {
	h := &Hub{db: db, log: slog.New(slog.DiscardHandler), buffer: DefaultBuffer, wake: make(chan struct{}, 1),
		subs: map[*Subscription]struct{}{}}
	for _, o := range opts {
		o(h)
	}
	b, err := operations.ReadEventBounds(ctx, db)
	if err != nil {
		return nil, err
	}
	h.last.Store(b.Last)
	return h, nil
}

// Notify takes an announcement (the ChannelRunEvents payload); it never blocks.
func (h *Hub) Notify(payload string) {
	if _, seq, err := operations.ParseEventPayload(payload); err == nil && seq <= h.last.Load() {
		return // already dispatched
	}
	h.poke()
}

// Resync makes the hub read every event past the last it dispatched: call it when the listening
// connection is (re)established, since announcements made while none listened are lost.
func (h *Hub) Resync() { h.poke() }

func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Last is the number of the last event dispatched.
func (h *Hub) Last() int64 { return h.last.Load() }

// Subscribers is the number of current subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Run dispatches events until ctx is done, then closes every subscription.
func (h *Hub) Run(ctx context.Context) {
	defer h.closeAll()
	t := time.NewTimer(safetyPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		}
		if err := h.drain(ctx); err != nil && ctx.Err() == nil {
			h.log.Error("reading run events failed", "error", err.Error())
			t.Reset(retryAfter)
			continue
		}
		t.Reset(safetyPoll)
	}
}

// drain dispatches every event past the last one dispatched.
func (h *Hub) drain(ctx context.Context) error {
	for {
		events, err := operations.EventsAfter(ctx, h.db, h.last.Load(), batch)
		if err != nil {
			return err
		}
		for _, e := range events {
			h.dispatch(&Event{Event: e})
		}
		if len(events) < batch {
			return nil
		}
	}
}

func (h *Hub) dispatch(e *Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last.Store(e.Seq)
	for s := range h.subs {
		select {
		case s.c <- e:
		default:
			s.dropped.Store(true)
			h.removeLocked(s)
		}
	}
}

func (h *Hub) removeLocked(s *Subscription) {
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		h.removeLocked(s)
	}
}

// Subscription receives the events dispatched after Head, in order, on C. C is closed when the
// subscriber fell behind (Dropped) or the hub stopped.
type Subscription struct {
	C       <-chan *Event
	Head    int64
	c       chan *Event
	hub     *Hub
	dropped atomic.Bool
}

// Subscribe registers a subscriber. Every event numbered above Head comes on C (until C closes);
// older ones are the subscriber's to read (operations.EventsAfter).
func (h *Hub) Subscribe() *Subscription {
	c := make(chan *Event, h.buffer)
	s := &Subscription{C: c, c: c, hub: h}
	h.mu.Lock()
	defer h.mu.Unlock()
	s.Head = h.last.Load()
	h.subs[s] = struct{}{}
	return s
}

// Dropped reports whether C was closed because the subscriber fell behind.
func (s *Subscription) Dropped() bool { return s.dropped.Load() }

// Close unsubscribes; events already on C stay readable.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.removeLocked(s)
}
