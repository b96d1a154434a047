package tenancy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Listen's timing.
const (
	listenMinBackoff = 250 * time.Millisecond
	listenMaxBackoff = 30 * time.Second
	// listenPingEvery: an idle connection is pinged this often, so that a connection that died
	// silently (a failover, a dropped NAT entry) is noticed and replaced.
	listenPingEvery   = 30 * time.Second
	listenPingTimeout = 5 * time.Second
)

// Listen subscribes to the channels named in handlers on a dedicated connection (LISTEN needs a
// session: not a transaction pooler) and calls the channel's handler with each notification's
// payload, one at a time, until ctx is done; then it returns nil.
//
// A lost connection is replaced, with back-off from 250ms to 30s. Notifications sent while no
// connection listened are lost, so onReconnect (if not nil) is called every time the LISTENs are
// in place, including the first: callers reload their state fully there. Calling it on the first
// connection too closes the gap between a caller's initial load and the subscription.
//
// Only an unusable configuration is returned as an error.
func Listen(ctx context.Context, databaseURL string, handlers map[string]func(payload string), onReconnect func()) error {
	if len(handlers) == 0 {
		return errors.New("listen: no channels to listen on")
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		// pgx redacts the password, but say nothing of the URL to be sure.
		return errors.New("listen: the database URL is not a valid connection string")
	}
	// Cancel an idle wait by a read deadline, not by a cancel request: a cancel request can
	// arrive late and cancel the ping that follows.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	channels := make([]string, 0, len(handlers))
	for ch := range handlers {
		channels = append(channels, ch)
	}
	sort.Strings(channels)

	backoff := listenMinBackoff
	for {
		listened, _ := listenSession(ctx, cfg, channels, handlers, onReconnect)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			backoff = listenMinBackoff
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

// listenSession connects, listens and dispatches until the connection fails or ctx is done.
// listened says whether the LISTENs were in place.
func listenSession(ctx context.Context, cfg *pgx.ConnConfig, channels []string,
	handlers map[string]func(string), onReconnect func()) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("listen: connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return false, fmt.Errorf("listen %s: %w", ch, err)
		}
	}
	if onReconnect != nil {
		onReconnect()
	}
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenPingEvery)
		n, err := conn.WaitForNotification(waitCtx)
		idle := waitCtx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case err != nil && idle && !conn.IsClosed():
			pingCtx, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("listen: ping: %w", err)
			}
		case err != nil:
			return true, fmt.Errorf("listen: wait: %w", err)
		case n != nil:
			if h := handlers[n.Channel]; h != nil {
				h(n.Payload)
			}
		}
	}
}
