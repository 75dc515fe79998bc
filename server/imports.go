package server

import (
	"github.com/quiverdb/quiver/core/cypher"
	"github.com/quiverdb/quiver/server/importdir"
)

// importFiles opens --import-directory for LOAD CSV. Without one LOAD CSV
// is refused (a nil source), and close does nothing.
func importFiles(cfg Config) (files cypher.FileSource, close func(), err error) {
	if cfg.ImportDirectory == "" {
		return nil, func() {}, nil
	}
	d, err := importdir.Open(cfg.ImportDirectory)
	if err != nil {
		return nil, nil, err
	}
	return d, func() { _ = d.Close() }, nil
}
