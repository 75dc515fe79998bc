package console

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"unicode"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// Width is the number of terminal columns s takes: combining marks and
// format characters take none, East Asian wide and fullwidth characters
// (CJK, Hangul, kana, fullwidth forms, most emoji) two, the rest one.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// wide are the East Asian Wide and Fullwidth ranges that matter for text.
var wide = [][2]rune{
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA},
	{0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
	{0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F},
	{0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6},
	{0x16FE0, 0x16FE4}, {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
	{0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248},
	{0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C},
	{0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
	{0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E},
	{0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F},
	{0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6EB, 0x1F6EC},
	{0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF},
	{0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}

func runeWidth(r rune) int {
	switch {
	case r == 0x200B || r == 0x200D || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Cc):
		return 0
	case r < 0x1100:
		return 1
	}
	lo, hi := 0, len(wide)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < wide[m][0]:
			hi = m
		case r > wide[m][1]:
			lo = m + 1
		default:
			return 2
		}
	}
	return 1
}

// pad fills s with spaces to w columns.
func pad(s string, w int) string {
	if d := w - Width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// writeTable writes keys and rows as a boxed table aligned by display
// width.
func writeTable(out io.Writer, keys []string, rows [][]any) {
	cells := make([][]string, len(rows))
	widths := make([]int, len(keys))
	for i, k := range keys {
		widths[i] = Width(k)
	}
	for r, rec := range rows {
		cells[r] = make([]string, len(keys))
		for i, v := range rec {
			cells[r][i] = Format(v)
			widths[i] = max(widths[i], Width(cells[r][i]))
		}
	}
	var b strings.Builder
	sep := func() {
		b.WriteByte('+')
		for _, w := range widths {
			b.WriteString(strings.Repeat("-", w+2) + "+")
		}
		b.WriteByte('\n')
	}
	line := func(vals []string) {
		b.WriteByte('|')
		for i, v := range vals {
			b.WriteString(" " + pad(v, widths[i]) + " |")
		}
		b.WriteByte('\n')
	}
	sep()
	line(keys)
	sep()
	for _, r := range cells {
		line(r)
	}
	sep()
	_, _ = io.WriteString(out, b.String())
}

// writeCSV writes a header and one record per row; strings are written as
// they are (CSV quotes them when needed), other values as Cypher.
func writeCSV(out io.Writer, keys []string, rows [][]any, header bool) error {
	w := csv.NewWriter(out)
	if header {
		if err := w.Write(keys); err != nil {
			return err
		}
	}
	for _, rec := range rows {
		fields := make([]string, len(rec))
		for i, v := range rec {
			if s, ok := v.(string); ok {
				fields[i] = s
			} else if v != nil {
				fields[i] = Format(v)
			}
		}
		if err := w.Write(fields); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// writeJSON writes one JSON object per row (JSON lines), keyed by column.
func writeJSON(out io.Writer, keys []string, rows [][]any) error {
	enc := json.NewEncoder(out)
	for _, rec := range rows {
		obj := make(map[string]any, len(keys))
		for i, k := range keys {
			obj[k] = jsonValue(rec[i])
		}
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	return nil
}

// jsonValue makes a driver value JSON-encodable: graph entities become
// objects, temporal and spatial values their Cypher text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return x
	case float64:
		if x != x || x > 1.7976931348623157e308 || x < -1.7976931348623157e308 {
			return Format(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case dbtype.Node:
		return map[string]any{"elementId": x.ElementId, "labels": x.Labels, "properties": jsonValue(x.Props)}
	case dbtype.Relationship:
		return map[string]any{"elementId": x.ElementId, "type": x.Type, "start": x.StartElementId, "end": x.EndElementId, "properties": jsonValue(x.Props)}
	case dbtype.Path:
		nodes := make([]any, len(x.Nodes))
		for i, n := range x.Nodes {
			nodes[i] = jsonValue(n)
		}
		rels := make([]any, len(x.Relationships))
		for i, r := range x.Relationships {
			rels[i] = jsonValue(r)
		}
		return map[string]any{"nodes": nodes, "relationships": rels}
	}
	return Format(v)
}
