package instance

// StateHash is the canonical hash of the visible graph (graph.VisibleHash),
// which the simulator folds into a run's fingerprint at its end; 0 before
// Start.
func (in *Instance) StateHash() uint64 {
	if in.g == nil {
		return 0
	}
	return in.g.VisibleHash()
}
