package replication

import (
	"bytes"
	"testing"
	"time"

	"github.com/quiverdb/quiver/core/durability"
	"github.com/quiverdb/quiver/core/graph"
)

// deferredFixture is fixture with every node batching per turn of its
// loop, as the instance runs them.
func deferredFixture(modes ...Mode) (*scenario, *mainNode) {
	w := newWorld(7)
	w.faults = netFaults{delay: time.Millisecond}
	s := &scenario{w: w, deferred: true, commits: map[uint64]map[uint64]durabilityRecords{}, maxWM: map[string]uint64{}}
	a := s.newMain("main-1", "main-1", Epoch{Num: 1, ID: 11}, nil, &disk{w: w, n: w.node("main-1"), maxSync: 2 * time.Millisecond})
	for i, m := range modes {
		r := s.newRep("r"+string(rune('1'+i)), m)
		if err := a.m.Register(r.name, r.addr, m); err != nil {
			panic(err)
		}
	}
	w.run(50 * time.Millisecond)
	return s, a
}

// TestReplicasLogMainsFrames: the bytes MAIN's Store logged reach the
// replicas unchanged, and they apply them through ApplyFrame.
func TestReplicasLogMainsFrames(t *testing.T) {
	s, a := deferredFixture(Sync, Async)
	var sent [][]byte
	for range 5 {
		ts := a.nextTS
		a.nextTS++
		rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS, Deltas: []graph.Delta{{Op: graph.OpCreateVertex, ID: int64(ts)}}}
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		frame := durability.AppendRecord(nil, &rec)
		sent = append(sent, frame)
		a.d.write(rec, func(error) { a.m.Durable(ts) })
		a.m.CommitFrame(ts, rec.Deltas, frame, func(res Result) { s.result(a, res) })
		a.m.Flush() // as the instance does when its WAL writes the batch
		s.step(time.Millisecond)
	}
	s.step(50 * time.Millisecond)
	for _, r := range s.reps {
		if len(r.st.frames) != len(sent) {
			t.Fatalf("%s applied %d frames, want %d", r.name, len(r.st.frames), len(sent))
		}
		for i := range sent {
			if !bytes.Equal(r.st.frames[i], sent[i]) {
				t.Fatalf("%s: frame %d differs from what MAIN logged", r.name, i)
			}
		}
	}
	s.checkConvergence()
	if len(s.bad) != 0 {
		t.Fatal(s.bad)
	}
}

// TestCommitFrameRefusesAnotherRecord: a frame that is not the commit's
// record (another timestamp) is not shipped; MAIN encodes the right one.
func TestCommitFrameRefusesAnotherRecord(t *testing.T) {
	s, a := deferredFixture(Sync)
	ts := a.nextTS
	a.nextTS++
	rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS, Deltas: []graph.Delta{{Op: graph.OpCreateVertex, ID: 1}}}
	a.lastTS = ts
	s.commits[a.epoch.Num][ts] = rec
	wrong := rec
	wrong.TS++
	var res Result
	a.d.write(rec, func(error) { a.m.Durable(ts) })
	a.m.CommitFrame(ts, rec.Deltas, durability.AppendRecord(nil, &wrong), func(r Result) { res = r })
	s.step(50 * time.Millisecond)
	if res.Outcome != Acknowledged {
		t.Fatalf("commit %+v", res)
	}
	got, err := durability.DecodeFrame(s.reps[0].st.frames[0])
	if err != nil || got.TS != ts {
		t.Fatalf("replica logged %+v (%v), want timestamp %d", got, err, ts)
	}
}

// TestOneAppendAndOneAckPerTurn: the commits of one WAL batch go to each
// replica when the WAL writes it (Flush), in as few Appends as Tuning.Batch
// allows, and a replica
// confirms each Append's transactions with one Ack once their fsyncs
// completed, not one per transaction.
func TestOneAppendAndOneAckPerTurn(t *testing.T) {
	s, a := deferredFixture(Sync, Sync)
	for _, r := range s.reps {
		r.st.d.maxSync = 0 // every fsync of a turn completes in one instant
	}
	s.step(100 * time.Millisecond)
	base, baseAcks := s.w.sent[KindAppend], s.w.sent[KindAck]
	const n = 10
	acked := 0
	for range n {
		ts := a.nextTS
		a.nextTS++
		rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS}
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		a.d.write(rec, func(error) { a.m.Durable(ts) })
		a.m.Commit(ts, nil, func(r Result) {
			if r.Outcome == Acknowledged {
				acked++
			}
		})
	}
	if got := s.w.sent[KindAppend] - base; got != 0 {
		t.Fatalf("%d Appends sent before the WAL wrote the batch", got)
	}
	a.m.Flush() // the WAL writes the batch
	s.step(0)
	perReplica := (n + harnessTuning.Batch - 1) / harnessTuning.Batch
	if got := s.w.sent[KindAppend] - base; got != 2*perReplica {
		t.Fatalf("%d Appends for %d commits in one turn to 2 replicas, want %d", got, n, 2*perReplica)
	}
	s.step(5 * time.Millisecond)
	if acked != n {
		t.Fatalf("%d of %d commits acknowledged", acked, n)
	}
	// Each Append (the heartbeats carrying the grown watermark included)
	// is answered at most once.
	appends, acks := s.w.sent[KindAppend]-base, s.w.sent[KindAck]-baseAcks
	if acks > appends || acks >= 2*n {
		t.Fatalf("%d Acks for %d Appends of %d commits", acks, appends, n)
	}
}

// TestUnflushedCommitsGoWithTheTick: with SendOnFlush, a commit whose
// Flush never comes is still sent by the next tick and acknowledged.
func TestUnflushedCommitsGoWithTheTick(t *testing.T) {
	s, a := deferredFixture(Sync)
	base := s.w.sent[KindAppend]
	ts := a.nextTS
	a.nextTS++
	rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS}
	a.lastTS = ts
	s.commits[a.epoch.Num][ts] = rec
	var res Result
	a.d.write(rec, func(error) { a.m.Durable(ts) })
	a.m.Commit(ts, nil, func(r Result) { res = r })
	s.step(time.Millisecond)
	if got := s.w.sent[KindAppend] - base; got != 0 {
		t.Fatalf("%d Appends before a Flush or a tick", got)
	}
	s.step(harnessTuning.Retry + 30*time.Millisecond)
	if res.Outcome != Acknowledged {
		t.Fatalf("commit %+v after the tick", res)
	}
}

// TestWatermarkRidesOnTheNextBatch: a grown watermark goes out alone in a
// heartbeat only when no batch's Append carried it within WatermarkDelay.
func TestWatermarkRidesOnTheNextBatch(t *testing.T) {
	s, a := deferredFixture(Async)
	s.w.faults = netFaults{} // no delay: every hop lands at once
	s.reps[0].st.d.maxSync = 0
	a.d.maxSync = 0
	commit := func() {
		ts := a.nextTS
		a.nextTS++
		rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS}
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		a.d.write(rec, func(error) { a.m.Durable(ts) })
		a.m.Commit(ts, nil, func(Result) {})
		a.m.Flush()
	}
	s.step(100 * time.Millisecond)
	base := s.w.sent[KindAppend]
	commit()
	s.step(0) // durable on MAIN: the watermark grows
	commit()  // the next batch carries it
	s.step(a.m.cfg.Tuning.WatermarkDelay / 2)
	if got := s.w.sent[KindAppend] - base; got != 2 {
		t.Fatalf("%d Appends for two batches", got)
	}
	s.step(5 * time.Millisecond) // the second batch's watermark goes alone
	if got := s.w.sent[KindAppend] - base; got != 3 {
		t.Fatalf("%d Appends, want the two batches and one heartbeat", got)
	}
	if r := s.reps[0].r; r.wm != a.m.Watermark() || r.wm != a.lastTS {
		t.Fatalf("replica knows watermark %d, MAIN's is %d (last commit %d)", r.wm, a.m.Watermark(), a.lastTS)
	}
}

// TestNoHeartbeatsWhileBatchesFlow: under a steady stream of batches each
// Append carries the watermark the previous batch's fsync made, so MAIN
// sends no heartbeat beside them (it used to send one per WatermarkDelay,
// as many messages again as the batches under load); once the writes
// pause, one heartbeat brings the replica the last watermark.
func TestNoHeartbeatsWhileBatchesFlow(t *testing.T) {
	s, a := deferredFixture(Async, Async)
	s.w.faults = netFaults{}
	for _, r := range s.reps {
		r.st.d.maxSync = 0
	}
	a.d.maxSync = 0
	s.step(100 * time.Millisecond)
	base := s.w.sent[KindAppend]
	delay := a.m.cfg.Tuning.WatermarkDelay
	const batches = 40 // 40 × delay/4: well within the Retry tick's period
	for range batches {
		ts := a.nextTS
		a.nextTS++
		rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS}
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		a.d.write(rec, func(error) { a.m.Durable(ts) })
		a.m.Commit(ts, nil, func(Result) {})
		a.m.Flush()
		s.step(delay / 4)
	}
	if got, want := s.w.sent[KindAppend]-base, 2*batches; got != want {
		t.Fatalf("%d Appends while %d batches flowed to 2 replicas, want %d (no heartbeats)", got, batches, want)
	}
	s.step(3 * delay)
	if got, want := s.w.sent[KindAppend]-base, 2*batches+2; got != want {
		t.Fatalf("%d Appends after the writes paused, want %d (one heartbeat each)", got, want)
	}
	for _, r := range s.reps {
		if r.r.wm != a.m.Watermark() || r.r.wm != a.lastTS {
			t.Fatalf("replica %s knows watermark %d, MAIN's is %d (last commit %d)", r.name, r.r.wm, a.m.Watermark(), a.lastTS)
		}
	}
}

// TestAsyncRepliesHoldTheirAcks: an ASYNC replica confirms at most about
// once per AsyncAckDelay while batches flow (and still confirms them all),
// a SYNC one confirms each batch at once, and MAIN never goes back to
// resend the ASYNC replica's window meanwhile.
func TestAsyncRepliesHoldTheirAcks(t *testing.T) {
	s, a := deferredFixture(Sync, Async)
	s.w.faults = netFaults{}
	for _, r := range s.reps {
		r.st.d.maxSync = 0
	}
	a.d.maxSync = 0
	s.step(100 * time.Millisecond)
	syncR, asyncR := s.reps[0], s.reps[1]
	acks := func(r *rep) int { return s.w.sentBy[r.addr][KindAck] }
	baseS, baseA, baseApp := acks(syncR), acks(asyncR), s.w.sent[KindAppend]
	delay := a.m.cfg.Tuning.AsyncAckDelay
	const batches = 40
	step := delay / 8
	for range batches {
		ts := a.nextTS
		a.nextTS++
		rec := durability.Record{Epoch: a.epoch.Num, TS: ts, PrevTS: a.lastTS}
		a.lastTS = ts
		s.commits[a.epoch.Num][ts] = rec
		a.d.write(rec, func(error) { a.m.Durable(ts) })
		a.m.Commit(ts, nil, func(Result) {})
		a.m.Flush()
		s.step(step)
	}
	s.step(2 * delay)
	if got := acks(syncR) - baseS; got < batches {
		t.Fatalf("SYNC replica sent %d Acks for %d batches, want one each", got, batches)
	}
	maxA := int(time.Duration(batches)*step/delay) + 2
	if got := acks(asyncR) - baseA; got < 1 || got > maxA {
		t.Fatalf("ASYNC replica sent %d Acks for %d batches over %v, want 1..%d", got, batches, time.Duration(batches)*step, maxA)
	}
	if got := s.w.sent[KindAppend] - baseApp; got > 2*batches+2 {
		t.Fatalf("%d Appends for %d batches to 2 replicas: MAIN resent", got, batches)
	}
	if r := asyncR.r; r.Durable() != a.lastTS {
		t.Fatalf("ASYNC replica durable at %d, MAIN's last commit %d", r.Durable(), a.lastTS)
	}
	for _, p := range a.m.peers {
		if p.acked != a.lastTS {
			t.Fatalf("MAIN has %s confirmed at %d, last commit %d", p.name, p.acked, a.lastTS)
		}
	}
}
