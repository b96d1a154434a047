package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantatlas/operations/pkg/notify"
)

type notificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	RunID     *int64     `json:"run_id"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      *string    `json:"link"`
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

func presentNotification(n notify.Notification) notificationJSON {
	return notificationJSON{ID: n.ID, Kind: n.Kind, RunID: n.RunID, Title: n.Title, Body: n.Body, Link: n.Link, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
}

// listNotifications lists the caller's notifications, unread first.
func (s *Server) listNotifications(c echo.Context) error {
	if err := onlyParams(c, "limit", "cursor"); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	after, err := notificationList.after(c, s.cursors)
	if err != nil {
		return err
	}
	page, err := notify.List(c.Request().Context(), s.db, principal(c).User.ID, after, limit)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(page.Items))
	for _, n := range page.Items {
		out = append(out, presentNotification(n))
	}
	return writePage(c, s.cursors, notificationList, out, page.Next, withMember("unread", page.Unread), withoutETag)
}

func (s *Server) readNotification(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := notify.MarkRead(c.Request().Context(), s.db, principal(c).User.ID, id, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentNotification(n))
}

func (s *Server) readAllNotifications(c echo.Context) error {
	n, err := notify.MarkAllRead(c.Request().Context(), s.db, principal(c).User.ID, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"marked_read": n})
}
