// Package csvread reads CSV records one at a time from a stream, for LOAD
// CSV: the Excel dialect with a configurable delimiter and quote character,
// the line number of every record, bounded memory per record, and errors
// for malformed records after which reading goes on at the next line.
package csvread

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxRecordBytes bounds one record, so an unterminated quote in a huge file
// fails instead of reading the rest of the file into memory.
const MaxRecordBytes = 16 << 20

// RowError is a malformed record: the line it starts on and what is wrong.
type RowError struct {
	Line int
	Msg  string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Reader reads records from a stream, holding one record at a time.
type Reader struct {
	r       *bufio.Reader
	delim   rune
	quote   rune
	line    int // the line of the next rune (1-based)
	buf     []byte
	size    int
	started bool
	atEOL   bool // the last rune read was a line break
}

type ending int

const (
	endDelim ending = iota
	endLine
	endFile
)

// New returns a reader with the given delimiter and quote characters,
// which must differ and be neither a line break nor utf8.RuneError.
func New(r io.Reader, delim, quote rune) (*Reader, error) {
	for _, c := range []rune{delim, quote} {
		if c == '\n' || c == '\r' || c == utf8.RuneError || !utf8.ValidRune(c) {
			return nil, fmt.Errorf("%q cannot be a CSV delimiter or quote", c)
		}
	}
	if delim == quote {
		return nil, fmt.Errorf("the CSV delimiter and quote are both %q", delim)
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), delim: delim, quote: quote, line: 1}, nil
}

// Next returns the next record and the line it starts on. Blank lines are
// skipped; a byte-order mark at the start is dropped. At the end it returns
// io.EOF. A malformed record gives a *RowError and the reader resumes at
// the line after the one where the fault was found; any other error is the
// stream's.
func (r *Reader) Next() (rec []string, line int, err error) {
	if !r.started {
		r.started = true
		if c, _, err := r.r.ReadRune(); err == nil && c != '\uFEFF' {
			_ = r.r.UnreadRune()
		}
	}
	for {
		line = r.line
		rec, err = r.record(line)
		var re *RowError
		if errors.As(err, &re) {
			r.skipLine()
		}
		if err != nil || rec != nil {
			return rec, line, err
		}
	}
}

// record reads one record; a blank line gives (nil, nil).
func (r *Reader) record(start int) ([]string, error) {
	var rec []string
	r.size = 0
	for {
		f, quoted, end, err := r.field(start)
		if err != nil {
			return nil, err
		}
		if end != endDelim && len(rec) == 0 && f == "" && !quoted {
			if end == endFile {
				return nil, io.EOF
			}
			return nil, nil
		}
		rec = append(rec, f)
		if end != endDelim {
			return rec, nil
		}
	}
}

// next reads a rune, turning "\r\n" and a lone "\r" into "\n" and counting
// lines.
func (r *Reader) next() (rune, error) {
	c, _, err := r.r.ReadRune()
	if err != nil {
		return 0, err
	}
	if c == '\r' {
		if n, _, err := r.r.ReadRune(); err == nil && n != '\n' {
			_ = r.r.UnreadRune()
		}
		c = '\n'
	}
	r.atEOL = c == '\n'
	if r.atEOL {
		r.line++
	}
	return c, nil
}

func (r *Reader) add(c rune, start int) error {
	r.size += utf8.RuneLen(c)
	if r.size > MaxRecordBytes {
		return &RowError{Line: start, Msg: fmt.Sprintf("the record is longer than %d bytes (an unterminated quote?)", MaxRecordBytes)}
	}
	r.buf = utf8.AppendRune(r.buf, c)
	return nil
}

// field reads one field and reports whether it was quoted and what ended it.
func (r *Reader) field(start int) (string, bool, ending, error) {
	r.buf = r.buf[:0]
	c, err := r.next()
	if err == io.EOF {
		return "", false, endFile, nil
	} else if err != nil {
		return "", false, 0, err
	}
	if c == r.quote {
		return r.quoted(start)
	}
	for {
		switch c {
		case r.delim:
			return string(r.buf), false, endDelim, nil
		case '\n':
			return string(r.buf), false, endLine, nil
		case r.quote:
			return "", false, 0, &RowError{Line: start, Msg: fmt.Sprintf("a quote (%c) inside an unquoted field (quote the whole field and double the quote)", r.quote)}
		}
		if err := r.add(c, start); err != nil {
			return "", false, 0, err
		}
		c, err = r.next()
		if err == io.EOF {
			return string(r.buf), false, endFile, nil
		} else if err != nil {
			return "", false, 0, err
		}
	}
}

// quoted reads the rest of a quoted field, in which a doubled quote stands
// for one quote and line breaks are part of the value.
func (r *Reader) quoted(start int) (string, bool, ending, error) {
	for {
		c, err := r.next()
		if err == io.EOF {
			return "", true, 0, &RowError{Line: start, Msg: fmt.Sprintf("a quoted field that starts on line %d is not closed by the end of the file", start)}
		} else if err != nil {
			return "", true, 0, err
		}
		if c != r.quote {
			if err := r.add(c, start); err != nil {
				return "", true, 0, err
			}
			continue
		}
		n, err := r.next()
		switch {
		case err == io.EOF:
			return string(r.buf), true, endFile, nil
		case err != nil:
			return "", true, 0, err
		case n == r.quote:
			if err := r.add(n, start); err != nil {
				return "", true, 0, err
			}
		case n == r.delim:
			return string(r.buf), true, endDelim, nil
		case n == '\n':
			return string(r.buf), true, endLine, nil
		default:
			return "", true, 0, &RowError{Line: r.line, Msg: fmt.Sprintf("%q after the closing quote of a field (expected a delimiter or the end of the line)", n)}
		}
	}
}

// skipLine drops the rest of the current line after a malformed record.
func (r *Reader) skipLine() {
	for !r.atEOL {
		if _, err := r.next(); err != nil {
			return
		}
	}
}
