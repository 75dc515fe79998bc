package instance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quiverdb/quiver/clock"
)

// defaultBookmarkWait bounds how long a transaction waits for its
// bookmarks, as Neo4j's db.transaction.bookmark_ready_timeout (30s) does.
const defaultBookmarkWait = 30 * time.Second

// bookmarkWaiter is a transaction waiting until this instance shows the
// bookmarked timestamp ts.
type bookmarkWaiter struct {
	ts    uint64
	then  func(error)
	timer clock.Timer
}

// checkMeta validates the database name and the bookmarks, and returns
// the newest bookmarked timestamp. Safe off the loop.
func (in *Instance) checkMeta(m TxMeta) (uint64, error) {
	if m.DB != "" && m.DB != "memgraph" && m.DB != "neo4j" {
		return 0, newErr(CodeDatabaseNotFound, fmt.Sprintf("database %q does not exist", m.DB))
	}
	var newest uint64
	for _, b := range m.Bookmarks {
		ts, ok := parseBookmark(b)
		if !ok {
			return 0, newErr(CodeInvalidBookmark, fmt.Sprintf("%q is not a Quiver bookmark", b))
		}
		newest = max(newest, ts)
	}
	return newest, nil
}

// BookmarksVisible reports whether this instance already shows every
// transaction meta's bookmarks name (an invalid bookmark counts as shown:
// the transaction fails on it at once). The real host begins a read-only
// transaction off the loop only when it does; otherwise Begin waits for
// them and must run on the loop. Safe off the loop.
func (in *Instance) BookmarksVisible(meta TxMeta) bool {
	ts, err := in.checkMeta(meta)
	return err != nil || ts <= in.g.VisibleTS()
}

// awaitMeta checks meta and calls then once this instance shows every
// bookmarked transaction: at once when it does already (a read after a
// write on the same instance), else when the watermark reaches it (a read
// on a replica after a write on MAIN), or with a BookmarkTimeout error
// after the transaction's timeout or Config.BookmarkWait, whichever is
// shorter. Runs on the loop.
func (in *Instance) awaitMeta(m TxMeta, then func(error)) {
	ts, err := in.checkMeta(m)
	switch {
	case err != nil:
		then(err)
		return
	case ts <= in.g.VisibleTS():
		then(nil)
		return
	case in.stopped:
		then(errUnavailable("the instance is shutting down"))
		return
	}
	wait := in.bookmarkWait(m)
	w := &bookmarkWaiter{ts: ts, then: then}
	w.timer = in.env.Clock.AfterFunc(wait, func() {
		if i := slices.Index(in.waiters, w); i >= 0 {
			in.waiters = slices.Delete(in.waiters, i, i+1)
			w.then(newErr(CodeBookmarkTimeout, fmt.Sprintf(
				"waited %v for the bookmarked transaction %d, but this instance shows transactions only up to %d (a replica shows what MAIN acknowledged and it holds); retry, or read on MAIN",
				wait, ts, in.g.VisibleTS())))
		}
	})
	in.waiters = append(in.waiters, w)
}

// bookmarkWait is how long a transaction of m may wait for its bookmarks.
func (in *Instance) bookmarkWait(m TxMeta) time.Duration {
	wait := in.cfg.BookmarkWait
	if wait <= 0 {
		wait = defaultBookmarkWait
	}
	to := m.Timeout
	if to <= 0 {
		to = in.cfg.QueryTimeout
	}
	if to > 0 && to < wait {
		wait = to
	}
	return wait
}

// wakeBookmarks lets the waiting transactions whose bookmarks are now
// visible go on, oldest first.
func (in *Instance) wakeBookmarks() {
	if len(in.waiters) == 0 {
		return
	}
	vis := in.g.VisibleTS()
	var ready []*bookmarkWaiter
	in.waiters = slices.DeleteFunc(in.waiters, func(w *bookmarkWaiter) bool {
		if w.ts <= vis {
			ready = append(ready, w)
			return true
		}
		return false
	})
	for _, w := range ready {
		w.timer.Stop()
		w.then(nil)
	}
}

// failBookmarkWaits ends every wait with err (the instance stops).
func (in *Instance) failBookmarkWaits(err error) {
	ws := in.waiters
	in.waiters = nil
	for _, w := range ws {
		w.timer.Stop()
		w.then(err)
	}
}

// bookmark is the bookmark of commit timestamp ts.
func bookmark(ts uint64) string { return "quiver:" + strconv.FormatUint(ts, 10) }

// parseBookmark reads a bookmark's timestamp.
func parseBookmark(b string) (uint64, bool) {
	rest, ok := strings.CutPrefix(b, "quiver:")
	if !ok {
		return 0, false
	}
	ts, err := strconv.ParseUint(rest, 10, 64)
	return ts, err == nil
}
