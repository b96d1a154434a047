package api

import (
	"net/http"
	"strconv"
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
	offset := 0
	if v := c.QueryParam("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badCursor()
		}
		offset = n
	}
	page, err := notify.List(c.Request().Context(), s.db, principal(c).User.ID, offset, limit)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(page.Items))
	for _, n := range page.Items {
		out = append(out, presentNotification(n))
	}
	var next *string
	if page.Next != nil {
		v := strconv.FormatInt(*page.Next, 10)
		next = &v
		setNextLink(c, v)
	}
	return c.JSON(http.StatusOK, map[string]any{"data": out, "unread": page.Unread, "next_cursor": next})
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
