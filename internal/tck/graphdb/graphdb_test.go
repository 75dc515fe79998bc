package graphdb

import (
	"testing"

	"github.com/quiverdb/quiver/internal/tck/tcktest"
)

func TestEngineContract(t *testing.T) { tcktest.EngineSuite(t, New) }
