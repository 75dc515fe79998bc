// Package check holds the history checkers shared by the simulator and the
// real-process chaos runs: porcupine linearizability models (partitioned by
// key where that is sound, with a timeout, and an HTML visualization of a
// failing history) and invariants over what clients observed. It imports
// only porcupine and the standard library, so both hosts can use it.
//
// Every checker reports what it examined (a Report with counts), so a run
// that checked nothing shows as such rather than as a pass.
package check
