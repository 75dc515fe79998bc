package replication

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// advance recomputes the acknowledged watermark: the highest timestamp
// durable on MAIN and confirmed by every in-sync replica whose mode MAIN
// waits for. When it grows, the instance hears of it, the commits at or
// below it are acknowledged, and live replicas get the new watermark.
func (m *Main) advance() {
	if m.fenced || m.stopped {
		return
	}
	w := m.durable
	for _, p := range m.peers {
		if (p.inSync || p.hold) && p.mode.waits() && !bugSyncAckEarly {
			w = min(w, p.acked)
		}
	}
	if w <= m.wm {
		return
	}
	m.wm = w
	if m.cfg.OnWatermark != nil {
		m.cfg.OnWatermark(w)
	}
	n := 0
	for n < len(m.pending) && m.pending[n].ts <= w {
		n++
	}
	done := m.pending[:n]
	m.pending = m.pending[n:]
	m.marked = max(0, m.marked-n)
	warn := m.warnings()
	var now time.Duration
	if m.cfg.OnAcknowledged != nil {
		now = m.cfg.Clock.Monotonic()
	}
	for _, c := range done {
		if m.cfg.OnAcknowledged != nil && c.durable > 0 {
			m.cfg.OnAcknowledged(now - c.durable)
		}
		c.done(Result{TS: c.ts, Outcome: Acknowledged, Warnings: warn})
	}
	m.later() // the new watermark goes out with the next message to each
}

// warnings names the waited-for replicas outside the in-sync set.
func (m *Main) warnings() []string {
	var out []string
	for _, p := range m.peers {
		if p.mode.waits() && !p.inSync {
			out = append(out, fmt.Sprintf("replica %s (%s) did not confirm: %s", p.name, p.mode, p.reason))
		}
	}
	return out
}

// checkHolds gives up holding the watermark for a replica that did not
// catch up in time; it may try again after a while.
func (m *Main) checkHolds(now time.Duration) {
	for _, p := range m.peers {
		if p.hold && (now-p.holdSince > m.cfg.Tuning.AckTimeout || p.state != stLive) {
			p.hold = false
			p.holdAfter = now + silence*m.cfg.Tuning.AckTimeout
			m.advance()
		}
	}
}

// checkTimeouts asks to take out of the in-sync set each waited replica that
// left a commit unconfirmed for longer than AckTimeout.
func (m *Main) checkTimeouts(now time.Duration) {
	to := m.cfg.Tuning.AckTimeout
	for _, p := range m.peers {
		if !p.inSync || !p.mode.waits() {
			continue
		}
		for _, c := range m.pending {
			if c.ts > p.acked {
				if now-c.at > to {
					m.requestRemove(p, fmt.Sprintf("no confirmation of commit %d within %v", c.ts, to))
				}
				break
			}
		}
	}
}

// requestRemove asks the Membership to take p out of the in-sync set; MAIN
// keeps waiting for p until the removal is decided.
func (m *Main) requestRemove(p *peer, why string) {
	if !p.inSync || p.removing {
		return
	}
	p.removing = true
	p.reason = why
	m.cfg.Membership.Remove(p.name, func(ok bool) {
		p.removing = false
		if !ok || !p.inSync || m.peerAt(p.addr) != p {
			return
		}
		p.inSync = false
		m.log.Warn("replica left the in-sync set", zap.String("replica", p.name), zap.String("why", why))
		m.forgetVoter(p.name)
		m.advance()
		m.decide()
	})
}

// maybeJoin brings a caught-up waited replica back into the in-sync set.
// A member must hold every acknowledged commit, but under a steady load a
// replica that confirms a little later than MAIN's own fsync never catches
// the watermark; so once it is live and within the window MAIN holds the
// watermark back for it (for at most AckTimeout, then it retries later),
// and it joins as soon as it confirmed the watermark. MAIN waits for it
// from the moment it asks to join.
func (m *Main) maybeJoin(p *peer) {
	if p.inSync || p.joining || p.removing || !p.mode.waits() || p.state != stLive {
		return
	}
	now := m.cfg.Clock.Monotonic()
	if p.acked < m.wm {
		if !p.hold && len(p.queue) <= m.cfg.Tuning.Window && now >= p.holdAfter {
			p.hold, p.holdSince = true, now
		}
		return
	}
	p.hold = false
	p.inSync, p.joining = true, true
	m.log.Info("replica joined the in-sync set", zap.String("replica", p.name))
	m.cfg.Membership.Join(p.name, func(ok bool) {
		p.joining = false
		if !ok {
			p.inSync = false
			m.advance()
		}
	})
}
