package cypher

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// schemaColumns are a schema statement's result columns.
func schemaColumns(s *SchemaStmt) []string {
	switch s.Kind {
	case "show-index":
		return []string{"index type", "label", "property", "count"}
	case "show-constraint":
		return []string{"constraint type", "label", "properties"}
	case "show-storage":
		return []string{"storage info", "value"}
	case "show-indexes":
		return []string{"id", "name", "state", "populationPercent", "type", "entityType", "labelsOrTypes", "properties", "indexProvider", "owningConstraint", "lastRead", "readCount"}
	case "show-constraints":
		return []string{"id", "name", "type", "entityType", "labelsOrTypes", "properties", "ownedIndex", "propertyType"}
	case "show-config":
		return []string{"name", "default_value", "current_value", "description"}
	case "show-version":
		return []string{"version"}
	case "show-database":
		return []string{"Current"}
	case "show-node-labels":
		return []string{"label"}
	case "show-edge-types":
		return []string{"edge type"}
	}
	return nil
}

// IndexName is the name Quiver gives a label or label+property index that
// its user did not name: what SHOW INDEXES reports and DROP INDEX name
// accepts.
func IndexName(label, property string) string {
	if property == "" {
		return "index_" + label
	}
	return "index_" + label + "_" + property
}

// ConstraintName is the name Quiver gives a constraint (kind "unique" or
// "exists") that its user did not name: what SHOW CONSTRAINTS reports and
// DROP CONSTRAINT name accepts.
func ConstraintName(c ConstraintInfo) string {
	return "constraint_" + c.Label + "_" + c.Property + "_" + c.Kind
}

// indexName is the name an index goes by: its user's, or IndexName's.
func indexName(ix IndexInfo) string {
	if ix.Name != "" {
		return ix.Name
	}
	return IndexName(ix.Label, ix.Property)
}

// constraintName is the name a constraint goes by: its user's, or
// ConstraintName's.
func constraintName(ci ConstraintInfo) string {
	if ci.Name != "" {
		return ci.Name
	}
	return ConstraintName(ci)
}

// changeSchema creates or drops an index or constraint, honouring IF [NOT]
// EXISTS and resolving a DROP by name. The transaction's snapshot may not
// yet show a schema change that was just made, so a create or drop that
// the storage refuses as already done also counts as a no-op under IF [NOT]
// EXISTS.
func changeSchema(c *execCtx, st SchemaTx, s *SchemaStmt) error {
	before := *c.stats
	err := changeSchemaOnce(c, st, s)
	if err != nil && ((s.IfNotExists && strings.Contains(err.Error(), "already exists")) ||
		(s.IfExists && strings.Contains(err.Error(), "does not exist"))) {
		*c.stats = before
		return nil
	}
	return err
}

func changeSchemaOnce(c *execCtx, st SchemaTx, s *SchemaStmt) error {
	switch s.Kind {
	case "create-index", "drop-index":
		label, prop, exists := s.Label, s.Property, false
		for _, ix := range st.Indexes() {
			if (s.Label == "" && indexName(ix) == s.Name) || (s.Label != "" && ix.Label == s.Label && ix.Property == s.Property) {
				label, prop, exists = ix.Label, ix.Property, true
			}
		}
		switch {
		case s.Kind == "create-index" && exists && s.IfNotExists, s.Kind == "drop-index" && !exists && s.IfExists:
			return nil
		case s.Kind == "drop-index" && s.Label == "" && !exists:
			return runtimeErr("Neo.ClientError.Schema.IndexNotFound", "IndexNotFound", "there is no index named %s (SHOW INDEXES lists the names)", s.Name)
		case s.Kind == "create-index":
			if taken, err := nameTaken(st, s, exists, IndexName(label, prop)); taken {
				return err
			}
			c.stats.IndexesAdded++
			return st.CreateIndex(label, prop, s.Name)
		}
		c.stats.IndexesRemoved++
		return st.DropIndex(label, prop)
	}
	want := ConstraintInfo{Kind: s.CKind, Label: s.Label, Property: s.Property}
	exists := false
	for _, ci := range st.Constraints() {
		if (s.Label == "" && constraintName(ci) == s.Name) || (s.Label != "" && ci.Same(want)) {
			want, exists = ci, true
		}
	}
	switch {
	case s.Kind == "create-constraint" && exists && s.IfNotExists, s.Kind == "drop-constraint" && !exists && s.IfExists:
		return nil
	case s.Kind == "drop-constraint" && s.Label == "" && !exists:
		return runtimeErr("Neo.ClientError.Schema.ConstraintNotFound", "ConstraintNotFound", "there is no constraint named %s (SHOW CONSTRAINTS lists the names)", s.Name)
	case s.Kind == "create-constraint":
		if taken, err := nameTaken(st, s, exists, ConstraintName(want)); taken {
			return err
		}
		want.Name = s.Name
		c.stats.ConstraintsAdded++
		return st.CreateConstraint(want)
	}
	c.stats.ConstraintsRemoved++
	return st.DropConstraint(want)
}

// nameTaken reports whether a CREATE must stop because another index or
// constraint already goes by the new one's name (the given one, or
// deflt): with the error Neo4j gives, or with none under IF NOT EXISTS. When
// the statement's own index or constraint already exists (exists), the
// storage refuses it as such instead.
func nameTaken(st SchemaTx, s *SchemaStmt, exists bool, deflt string) (bool, error) {
	name := s.Name
	if name == "" {
		name = deflt
	}
	if exists {
		return false, nil
	}
	for _, ix := range st.Indexes() {
		if indexName(ix) == name {
			return true, nameErr(s, "an index", name)
		}
	}
	for _, ci := range st.Constraints() {
		if constraintName(ci) == name {
			return true, nameErr(s, "a constraint", name)
		}
	}
	return false, nil
}

// nameErr is the error of a CREATE whose name another index or constraint
// (what: "an index", "a constraint") already has; nil under IF NOT EXISTS,
// which makes it a no-op.
func nameErr(s *SchemaStmt, what, name string) error {
	if s.IfNotExists {
		return nil
	}
	if s.Kind == "create-index" {
		return runtimeErr("Neo.ClientError.Schema.IndexWithNameAlreadyExists", "IndexWithNameAlreadyExists",
			"there already exists %s called '%s'", what, name)
	}
	return runtimeErr("Neo.ClientError.Schema.ConstraintWithNameAlreadyExists", "ConstraintWithNameAlreadyExists",
		"there already exists %s called '%s'", what, name)
}

// showHost answers the statements that need only the host's information.
func (e *Engine) showHost(s *SchemaStmt) ([]namedRow, bool) {
	switch s.Kind {
	case "show-version":
		return []namedRow{{"version": e.host().Version}}, true
	case "show-database":
		return []namedRow{{"Current": "memgraph"}}, true
	case "show-config":
		var rows []namedRow
		for _, st := range e.host().Settings {
			rows = append(rows, namedRow{"name": st.Name, "default_value": st.Default, "current_value": st.Current, "description": st.Description})
		}
		return rows, true
	}
	return nil, false
}

// show answers the read-only statements over the graph and its schema.
func (e *Engine) show(c *execCtx, st SchemaTx, s *SchemaStmt) []namedRow {
	var rows []namedRow
	switch s.Kind {
	case "show-index":
		for _, ix := range st.Indexes() {
			kind, prop := "label+property", value.Value(ix.Property)
			if ix.Property == "" {
				kind, prop = "label", nil
			}
			rows = append(rows, namedRow{"index type": kind, "label": ix.Label, "property": prop, "count": ix.Count})
		}
	case "show-constraint":
		for _, ci := range st.Constraints() {
			rows = append(rows, namedRow{"constraint type": ci.Kind, "label": ci.Label, "properties": ci.Property})
		}
	case "show-indexes":
		ixs := st.Indexes()
		sort.Slice(ixs, func(i, j int) bool {
			return indexName(ixs[i]) < indexName(ixs[j])
		})
		for i, ix := range ixs {
			props := value.Value(value.List{ix.Property})
			typ := "RANGE"
			if ix.Property == "" {
				props, typ = nil, "LABEL"
			}
			var owner value.Value
			for _, ci := range st.Constraints() {
				if ci.Kind == "unique" && ci.Label == ix.Label && ci.Property == ix.Property {
					owner = constraintName(ci)
				}
			}
			rows = append(rows, namedRow{"id": int64(i + 1), "name": indexName(ix), "state": "ONLINE",
				"populationPercent": 100.0, "type": typ, "entityType": "NODE", "labelsOrTypes": value.List{ix.Label},
				"properties": props, "indexProvider": "range-1.0", "owningConstraint": owner, "lastRead": nil, "readCount": nil})
		}
	case "show-constraints":
		cs := st.Constraints()
		sort.Slice(cs, func(i, j int) bool { return constraintName(cs[i]) < constraintName(cs[j]) })
		for i, ci := range cs {
			typ := "UNIQUENESS"
			if ci.Kind == "exists" {
				typ = "NODE_PROPERTY_EXISTENCE"
			}
			rows = append(rows, namedRow{"id": int64(i + 1), "name": constraintName(ci), "type": typ, "entityType": "NODE",
				"labelsOrTypes": value.List{ci.Label}, "properties": value.List{ci.Property}, "ownedIndex": nil, "propertyType": nil})
		}
	case "show-storage":
		rows = e.storageInfo(st)
	case "show-node-labels":
		for _, l := range graphNames(c.tx).labels {
			rows = append(rows, namedRow{"label": l})
		}
	case "show-edge-types":
		for _, t := range graphNames(c.tx).types {
			rows = append(rows, namedRow{"edge type": t})
		}
	}
	return rows
}

// storageInfo is SHOW STORAGE INFO: Memgraph's rows that apply, the
// graph's from the transaction and the process's from the host.
func (e *Engine) storageInfo(st SchemaTx) []namedRow {
	h := e.host()
	rows := []namedRow{{"storage info": "name", "value": "memgraph"}}
	for _, kv := range st.StorageInfo() {
		rows = append(rows, namedRow{"storage info": kv[0], "value": kv[1]})
	}
	for _, kv := range []struct {
		k string
		v value.Value
	}{
		{"vm_max_map_count", h.VMMaxMapCount},
		{"memory_res", humanBytes(h.MemoryRes)},
		{"peak_memory_res", humanBytes(h.PeakMemoryRes)},
		{"disk_usage", humanBytes(h.DiskUsage)},
		{"memory_tracked", humanBytes(h.MemoryTracked)},
		{"allocation_limit", humanBytes(h.AllocationLimit)},
		{"global_isolation_level", "SNAPSHOT_ISOLATION"},
		{"session_isolation_level", ""},
		{"next_session_isolation_level", ""},
		{"storage_mode", "IN_MEMORY_TRANSACTIONAL"},
	} {
		rows = append(rows, namedRow{"storage info": kv.k, "value": kv.v})
	}
	return rows
}

// humanBytes formats a byte count as Memgraph does ("1.50MiB"); a negative
// count is unknown.
func humanBytes(n int64) value.Value {
	if n < 0 {
		return "unknown"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 {
		return strconv.FormatInt(n, 10) + "B"
	}
	return fmt.Sprintf("%.2f%s", f, units[u])
}

// names are the labels, relationship types and property keys in use, each
// sorted.
type names struct{ labels, types, keys []string }

// graphNames scans the graph visible to tx for the names in use.
func graphNames(tx Tx) names {
	labels, types, keys := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for it := tx.Vertices(); it.Next(); {
		id := it.ID()
		for _, l := range tx.VertexLabels(id) {
			labels[l] = true
		}
		for k := range tx.VertexProps(id) {
			keys[k] = true
		}
		for _, ed := range tx.Edges(id, DirOut, nil) {
			types[ed.Type] = true
			for k := range tx.EdgeProps(ed.ID) {
				keys[k] = true
			}
		}
	}
	return names{labels: sortedSet(labels), types: sortedSet(types), keys: sortedSet(keys)}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
