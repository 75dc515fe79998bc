// Package scenarios is the simulator's one scenario registry: every seeded
// scenario by name, as `quiver sim --scenario NAME --seed N` runs it. A new
// scenario joins by being added to the list in All.
package scenarios

import (
	"fmt"
	"strings"

	"github.com/quiverdb/quiver/sim"
	"github.com/quiverdb/quiver/sim/instancesim"
	"github.com/quiverdb/quiver/sim/regsim"
	"github.com/quiverdb/quiver/sim/replsim"
)

// Default is the scenario `quiver sim` runs without --scenario.
const Default = "ping"

// All returns every registered scenario, in a fixed order.
func All() []sim.Scenario {
	return []sim.Scenario{
		sim.PingScenario,
		instancesim.Scenario,
		regsim.Scenario,
		replsim.Scenario,
	}
}

// Lookup returns the scenario named name, or an error listing the names.
func Lookup(name string) (sim.Scenario, error) {
	var names []string
	for _, sc := range All() {
		if sc.Name == name {
			return sc, nil
		}
		names = append(names, sc.Name)
	}
	return sim.Scenario{}, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(names, ", "))
}
