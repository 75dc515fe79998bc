package cypher

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a position in the query text: 1-based line and column (in runes)
// and a byte offset.
type Pos struct {
	Line int
	Col  int
	Off  int
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuotedIdent
	tInt
	tFloat
	tString
	tParam
	tPunct
)

type token struct {
	kind tokKind
	text string // identifier, punctuation, number text or decoded string
	pos  Pos
	end  int // byte offset just past the token
}

// lex splits src into tokens. It never panics; malformed input yields a
// SyntaxError with the position of the offending character.
func lex(src string) ([]token, error) {
	l := &lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

type lexer struct {
	src       string
	off       int
	line, col int
}

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col, Off: l.off} }

func (l *lexer) peekRune(ahead int) rune {
	off := l.off
	for i := 0; ; i++ {
		if off >= len(l.src) {
			return -1
		}
		r, n := utf8.DecodeRuneInString(l.src[off:])
		if i == ahead {
			return r
		}
		off += n
	}
}

func (l *lexer) advance() rune {
	r, n := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += n
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) skipSpace() error {
	for l.off < len(l.src) {
		r := l.peekRune(0)
		switch {
		case unicode.IsSpace(r):
			l.advance()
		case r == '/' && l.peekRune(1) == '/':
			for l.off < len(l.src) && l.peekRune(0) != '\n' {
				l.advance()
			}
		case r == '/' && l.peekRune(1) == '*':
			p := l.pos()
			l.advance()
			l.advance()
			for {
				if l.off >= len(l.src) {
					return syntaxErr(p, "UnexpectedSyntax", "unterminated comment")
				}
				if l.peekRune(0) == '*' && l.peekRune(1) == '/' {
					l.advance()
					l.advance()
					break
				}
				l.advance()
			}
		default:
			return nil
		}
	}
	return nil
}

var puncts = []string{"..", "<>", "!=", "<=", ">=", "=~", "+=", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "|", "+", "-", "*", "/", "%", "^", "=", "<", ">"}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	p := l.pos()
	if l.off >= len(l.src) {
		return token{kind: tEOF, pos: p, end: l.off}, nil
	}
	r := l.peekRune(0)
	switch {
	case isIdentStart(r):
		for l.off < len(l.src) && isIdentPart(l.peekRune(0)) {
			l.advance()
		}
		return token{kind: tIdent, text: l.src[p.Off:l.off], pos: p, end: l.off}, nil
	case r == '`':
		return l.quotedIdent(p)
	case r >= '0' && r <= '9', r == '.' && l.peekRune(1) >= '0' && l.peekRune(1) <= '9':
		return l.number(p)
	case r == '\'' || r == '"':
		return l.str(p, r)
	case r == '$':
		l.advance()
		if l.off < len(l.src) && l.peekRune(0) == '`' {
			t, err := l.quotedIdent(l.pos())
			t.kind, t.pos = tParam, p
			return t, err
		}
		s := l.off
		for l.off < len(l.src) && isIdentPart(l.peekRune(0)) {
			l.advance()
		}
		if s == l.off {
			return token{}, syntaxErr(p, "UnexpectedSyntax", "expected a parameter name after $")
		}
		return token{kind: tParam, text: l.src[s:l.off], pos: p, end: l.off}, nil
	}
	for _, pu := range puncts {
		if strings.HasPrefix(l.src[l.off:], pu) {
			for range len(pu) {
				l.advance()
			}
			return token{kind: tPunct, text: pu, pos: p, end: l.off}, nil
		}
	}
	if r > 127 {
		return token{}, syntaxErr(p, "InvalidUnicodeCharacter", "unexpected character %q", r)
	}
	return token{}, syntaxErr(p, "UnexpectedSyntax", "unexpected character %q", r)
}

func (l *lexer) quotedIdent(p Pos) (token, error) {
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return token{}, syntaxErr(p, "UnexpectedSyntax", "unterminated quoted identifier")
		}
		r := l.advance()
		if r == '`' {
			if l.peekRune(0) == '`' {
				l.advance()
				b.WriteRune('`')
				continue
			}
			break
		}
		b.WriteRune(r)
	}
	return token{kind: tQuotedIdent, text: b.String(), pos: p, end: l.off}, nil
}

func (l *lexer) number(p Pos) (token, error) {
	kind := tInt
	if l.peekRune(0) == '0' && (l.peekRune(1) == 'x' || l.peekRune(1) == 'o') {
		l.advance()
		l.advance()
	}
	for l.off < len(l.src) {
		r := l.peekRune(0)
		switch {
		case isIdentPart(r):
			if (r == 'e' || r == 'E') && !strings.HasPrefix(l.src[p.Off:], "0x") {
				kind = tFloat
				l.advance()
				if s := l.peekRune(0); s == '-' || s == '+' {
					l.advance()
				}
				continue
			}
			l.advance()
		case r == '.' && l.peekRune(1) >= '0' && l.peekRune(1) <= '9' && kind == tInt:
			kind = tFloat
			l.advance()
		default:
			return token{kind: kind, text: l.src[p.Off:l.off], pos: p, end: l.off}, nil
		}
	}
	return token{kind: kind, text: l.src[p.Off:l.off], pos: p, end: l.off}, nil
}

func (l *lexer) str(p Pos, quote rune) (token, error) {
	l.advance()
	var b strings.Builder
	for {
		if l.off >= len(l.src) {
			return token{}, syntaxErr(p, "UnexpectedSyntax", "unterminated string literal")
		}
		r := l.advance()
		if r == quote {
			return token{kind: tString, text: b.String(), pos: p, end: l.off}, nil
		}
		if r != '\\' {
			b.WriteRune(r)
			continue
		}
		if l.off >= len(l.src) {
			return token{}, syntaxErr(p, "UnexpectedSyntax", "unterminated string literal")
		}
		ep := l.pos()
		e := l.advance()
		switch e {
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
		case '\\', '\'', '"':
			b.WriteRune(e)
		case 'u', 'U':
			n := 4
			if e == 'U' {
				n = 8
			}
			var v rune
			for range n {
				h := l.peekRune(0)
				d := hexDigit(h)
				if d < 0 {
					return token{}, syntaxErr(ep, "InvalidUnicodeLiteral", "invalid unicode escape")
				}
				l.advance()
				v = v*16 + rune(d)
			}
			if !utf8.ValidRune(v) {
				return token{}, syntaxErr(ep, "InvalidUnicodeLiteral", "invalid unicode escape")
			}
			b.WriteRune(v)
		default:
			b.WriteByte('\\')
			b.WriteRune(e)
		}
	}
}

func hexDigit(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}
