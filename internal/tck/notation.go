package tck

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/quiverdb/quiver/core/value"
)

// ParseValue parses a value written in the TCK's notation: null, booleans,
// integers, floats (with NaN, Inf, -Inf), 'strings' with backslash escapes,
// [lists], {maps}, nodes (:L {p: 1}), relationships [:T {p: 1}] and paths
// <(a)-[:T]->(b)<-[:U]-(c)>.
//
// Nodes and relationships come back as value.Node and value.Relationship
// without ids. In a path, node i gets ID i and each relationship's StartID
// and EndID say its direction in those positional ids.
func ParseValue(s string) (value.Value, error) {
	p := &notationParser{src: s}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, p.errf("unexpected %q after the value", p.src[p.pos:])
	}
	return v, nil
}

type notationParser struct {
	src string
	pos int
}

func (p *notationParser) errf(format string, args ...any) error {
	return fmt.Errorf("tck value %q at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *notationParser) skipSpace() {
	for p.pos < len(p.src) && strings.ContainsRune(" \t\r\n", rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *notationParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// eat skips spaces and consumes tok if it comes next.
func (p *notationParser) eat(tok string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *notationParser) expect(tok string) error {
	if !p.eat(tok) {
		return p.errf("expected %q", tok)
	}
	return nil
}

func (p *notationParser) value() (value.Value, error) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		return p.str()
	case c == '[':
		if p.isRelationship() {
			return p.relationship()
		}
		return p.list()
	case c == '{':
		return p.mapLit()
	case c == '(':
		return p.node()
	case c == '<':
		return p.path()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	}
	word := p.word()
	switch word {
	case "null":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "NaN":
		return math.NaN(), nil
	case "Inf", "Infinity":
		return math.Inf(1), nil
	}
	return nil, p.errf("unknown value %q", word)
}

func (p *notationParser) word() string {
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

func (p *notationParser) number() (value.Value, error) {
	start := p.pos
	if c := p.peek(); c == '-' || c == '+' {
		p.pos++
	}
	if w := p.src[p.pos:]; strings.HasPrefix(w, "Inf") {
		p.word()
		if p.src[start] == '-' {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	isFloat := false
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' || c == 'e' || c == 'E':
			isFloat = true
		case (c == '-' || c == '+') && (p.src[p.pos-1] == 'e' || p.src[p.pos-1] == 'E'):
		default:
			goto done
		}
		p.pos++
	}
done:
	text := p.src[start:p.pos]
	if !isFloat {
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, p.errf("bad integer %q", text)
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, p.errf("bad float %q", text)
	}
	return f, nil
}

func (p *notationParser) str() (value.Value, error) {
	quote := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			if err := p.escape(&b); err != nil {
				return nil, err
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.errf("unterminated string")
}

func (p *notationParser) escape(b *strings.Builder) error {
	c := p.src[p.pos+1]
	p.pos += 2
	switch c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'u':
		if p.pos+4 > len(p.src) {
			return p.errf("short \\u escape")
		}
		r, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
		if err != nil {
			return p.errf("bad \\u escape")
		}
		b.WriteRune(rune(r))
		p.pos += 4
	default:
		b.WriteByte(c)
	}
	return nil
}

func (p *notationParser) list() (value.Value, error) {
	p.pos++
	out := value.List{}
	if p.eat("]") {
		return out, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.eat("]") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

func (p *notationParser) key() (string, error) {
	p.skipSpace()
	switch p.peek() {
	case '`':
		end := strings.IndexByte(p.src[p.pos+1:], '`')
		if end < 0 {
			return "", p.errf("unterminated `key`")
		}
		k := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return k, nil
	case '\'', '"':
		v, err := p.str()
		if err != nil {
			return "", err
		}
		return v.(string), nil
	}
	k := p.word()
	if k == "" {
		return "", p.errf("expected a key")
	}
	return k, nil
}

func (p *notationParser) mapLit() (value.Value, error) {
	p.pos++
	out := value.Map{}
	if p.eat("}") {
		return out, nil
	}
	for {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out[k] = v
		if p.eat("}") {
			return out, nil
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
	}
}

// isRelationship tells "[:T ...]" from a list: after '[' and spaces comes ':'.
func (p *notationParser) isRelationship() bool {
	i := p.pos + 1
	for i < len(p.src) && p.src[i] == ' ' {
		i++
	}
	return i < len(p.src) && p.src[i] == ':'
}

// labelsAndProps reads ":A:B {props}" up to close.
func (p *notationParser) labelsAndProps(close string) ([]string, value.Map, error) {
	var labels []string
	for p.eat(":") {
		l, err := p.key()
		if err != nil {
			return nil, nil, err
		}
		labels = append(labels, l)
	}
	props := value.Map{}
	p.skipSpace()
	if p.peek() == '{' {
		m, err := p.mapLit()
		if err != nil {
			return nil, nil, err
		}
		props = m.(value.Map)
	}
	if err := p.expect(close); err != nil {
		return nil, nil, err
	}
	return labels, props, nil
}

func (p *notationParser) node() (value.Value, error) {
	p.pos++
	labels, props, err := p.labelsAndProps(")")
	if err != nil {
		return nil, err
	}
	return value.Node{Labels: labels, Props: props}, nil
}

func (p *notationParser) relationship() (value.Value, error) {
	p.pos++
	types, props, err := p.labelsAndProps("]")
	if err != nil {
		return nil, err
	}
	if len(types) != 1 {
		return nil, p.errf("a relationship needs exactly one type")
	}
	return value.Relationship{Type: types[0], Props: props}, nil
}

func (p *notationParser) path() (value.Value, error) {
	p.pos++
	var path value.Path
	for {
		p.skipSpace()
		if p.peek() != '(' {
			return nil, p.errf("expected a node in the path")
		}
		n, err := p.node()
		if err != nil {
			return nil, err
		}
		nd := n.(value.Node)
		nd.ID = int64(len(path.Nodes))
		path.Nodes = append(path.Nodes, nd)
		if p.eat(">") {
			return path, nil
		}
		back := p.eat("<-")
		if !back {
			if err := p.expect("-"); err != nil {
				return nil, err
			}
		}
		p.skipSpace()
		if p.peek() != '[' {
			return nil, p.errf("expected a relationship in the path")
		}
		r, err := p.relationship()
		if err != nil {
			return nil, err
		}
		rel := r.(value.Relationship)
		i := int64(len(path.Nodes)) - 1
		if back {
			err = p.expect("-")
			rel.StartID, rel.EndID = i+1, i
		} else {
			err = p.expect("->")
			rel.StartID, rel.EndID = i, i+1
		}
		if err != nil {
			return nil, err
		}
		path.Rels = append(path.Rels, rel)
	}
}
