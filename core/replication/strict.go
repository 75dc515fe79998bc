package replication

import (
	"fmt"
	"slices"
	"time"

	"github.com/quiverdb/quiver/core/graph"
)

// prepare is a STRICT_SYNC transaction awaiting its votes.
type prepare struct {
	txn     Txn // PrevTS unset: the commit's place is fixed when it commits
	at      time.Duration
	waiting []string // voters that have not voted yes, sorted
	no      string   // why the transaction must abort ("" while it may commit)
	decided func(Decision)
}

// Prepare runs STRICT_SYNC's first phase for a transaction MAIN prepared
// locally (graph.Txn.Prepare) with timestamp ts: every in-sync STRICT_SYNC
// replica must vote yes. decided runs once, in timestamp order: on Commit
// the instance commits locally and calls Commit (in timestamp order); on
// abort it aborts locally and reports the Result (Retryable: nothing was
// committed anywhere, since replicas commit only what the Append stream
// brings after a commit decision).
func (m *Main) Prepare(ts uint64, deltas []graph.Delta, decided func(Decision)) {
	if m.fenced || m.stopped {
		decided(Decision{Result: Result{TS: ts, Outcome: Retryable, Err: m.haltErr()}})
		return
	}
	pr := &prepare{txn: Txn{Epoch: m.cfg.Epoch, TS: ts, Deltas: deltas}, at: m.cfg.Clock.Monotonic(), decided: decided}
	for _, p := range m.peers {
		if p.inSync && p.mode == StrictSync {
			pr.waiting = append(pr.waiting, p.name)
			m.sendPrepare(p, pr)
		}
	}
	m.prepares = append(m.prepares, pr)
	m.decide()
}

func (m *Main) sendPrepare(p *peer, pr *prepare) {
	if p.state == stLive || p.state == stCatchup {
		m.send(p.addr, &Prepare{Header: m.header(), Session: p.session, Txn: pr.txn})
	}
}

// onVote records a replica's vote.
func (m *Main) onVote(p *peer, v *Vote) {
	if v.Session != p.session {
		return
	}
	for _, pr := range m.prepares {
		if pr.txn.TS != v.TS {
			continue
		}
		i := slices.Index(pr.waiting, p.name)
		if i < 0 {
			return
		}
		if !v.Yes {
			pr.no = fmt.Sprintf("replica %s voted no", p.name)
			break
		}
		pr.waiting = slices.Delete(pr.waiting, i, i+1)
	}
	m.decide()
}

// decide settles prepares from the oldest: commit once every voter said
// yes, abort once one said no or timed out. A younger prepare waits for the
// older ones, so commits keep timestamp order.
func (m *Main) decide() {
	for len(m.prepares) > 0 {
		pr := m.prepares[0]
		if pr.no == "" && len(pr.waiting) > 0 {
			return
		}
		m.prepares = m.prepares[1:]
		if pr.no != "" {
			for _, p := range m.peers {
				if p.mode == StrictSync && (p.state == stLive || p.state == stCatchup) {
					m.send(p.addr, &Abort{Header: m.header(), Session: p.session, TS: pr.txn.TS})
				}
			}
			pr.decided(Decision{Result: Result{TS: pr.txn.TS, Outcome: Retryable, Err: fmt.Errorf("%w (%s)", ErrAborted, pr.no)}})
			continue
		}
		pr.decided(Decision{Commit: true})
	}
}

// checkPrepares aborts prepares whose votes are overdue, asks to take the
// silent replicas out of the in-sync set, and resends to the rest.
func (m *Main) checkPrepares(now time.Duration) {
	to := m.cfg.Tuning.AckTimeout
	for _, pr := range m.prepares {
		if pr.no != "" {
			continue
		}
		if now-pr.at > to {
			pr.no = fmt.Sprintf("replicas %v did not vote within %v", pr.waiting, to)
			for _, name := range pr.waiting {
				if p := m.peerNamed(name); p != nil {
					m.requestRemove(p, "no vote on a prepare within "+to.String())
				}
			}
			continue
		}
		for _, name := range pr.waiting {
			if p := m.peerNamed(name); p != nil {
				m.sendPrepare(p, pr)
			}
		}
	}
	m.decide()
}

// forgetVoter stops waiting for name's votes (it left the set or was dropped).
func (m *Main) forgetVoter(name string) {
	for _, pr := range m.prepares {
		if i := slices.Index(pr.waiting, name); i >= 0 {
			pr.waiting = slices.Delete(pr.waiting, i, i+1)
		}
	}
	m.decide()
}

func (m *Main) peerNamed(name string) *peer {
	for _, p := range m.peers {
		if p.name == name {
			return p
		}
	}
	return nil
}
