package bolt

import (
	"time"

	"github.com/quiverdb/quiver/core/value"
)

// requestDecoder decodes one connection's requests. RUN, PULL and DISCARD,
// which every query sends, take a fast path when they have the usual
// shape: the request goes into a Request the decoder reuses, RUN's extra
// map into TxMeta and PULL's into n and qid without building maps, and a
// query or bookmark list equal to the previous one is not allocated
// again. Anything else, malformed input included, goes to DecodeRequest,
// so a request means the same, and fails the same, either way.
type requestDecoder struct {
	req       Request
	lastQuery string
	lastBooks []string // the last bookmarks list, shared (never modified)
	// reuseParams lets run decode RUN's parameters into params, cleared,
	// instead of a new map. The connection sets it only when no result or
	// transaction is open (Ready), so nothing that saw the previous
	// request's parameters can read them again.
	reuseParams bool
	params      value.Map // the reused parameter map (nil until first used)
}

// maxReusedParams caps the size of a parameter map kept for reuse, so one
// large request does not pin a large map for the connection's lifetime.
const maxReusedParams = 32

// decode parses one message body (see DecodeRequest). The Request is valid
// until the next call.
func (rd *requestDecoder) decode(msg []byte, v Version, s Shape) (*Request, error) {
	if len(msg) >= 2 {
		var ok bool
		switch {
		case msg[0] == 0xB3 && msg[1] == MsgRun:
			ok = rd.run(&Decoder{buf: msg[2:], Shape: s})
		case msg[0] == 0xB1 && (msg[1] == MsgPull || msg[1] == MsgDiscard):
			ok = rd.pull(msg[1], &Decoder{buf: msg[2:], Shape: s})
		}
		if ok {
			return &rd.req, nil
		}
	}
	return DecodeRequest(msg, v, s)
}

// run decodes RUN's query, parameters and extra map; false sends the
// message down the general path.
func (rd *requestDecoder) run(d *Decoder) bool {
	q, ok := d.rawString()
	if !ok {
		return false
	}
	query := rd.lastQuery
	if string(q) != query {
		query = string(q)
	}
	params, ok := rd.runParams(d)
	if !ok {
		return false
	}
	meta, ok := rd.txMeta(d)
	if !ok || !d.Done() {
		return false
	}
	rd.lastQuery = query
	rd.req = Request{Tag: MsgRun, Query: query, Params: params, meta: meta, hasMeta: true}
	return true
}

// runParams decodes RUN's parameter map: into the reused map when
// reuseParams is set, else into a new one.
func (rd *requestDecoder) runParams(d *Decoder) (value.Map, bool) {
	if !rd.reuseParams {
		if d.peek() == 0xC0 {
			d.pos++
			return value.Map{}, true
		}
		v, err := d.Value()
		params, ok := v.(value.Map)
		return params, err == nil && ok
	}
	if rd.params == nil || len(rd.params) > maxReusedParams {
		rd.params = value.Map{}
	} else {
		clear(rd.params)
	}
	if d.peek() == 0xC0 {
		d.pos++
		return rd.params, true
	}
	n, ok := d.mapHeader()
	if !ok || d.entriesInto(rd.params, n) != nil {
		return nil, false
	}
	return rd.params, true
}

// txMeta decodes RUN's extra map straight into TxMeta when every entry it
// reads has the type txMeta accepts (entries it does not read are skipped,
// as txMeta ignores them).
func (rd *requestDecoder) txMeta(d *Decoder) (TxMeta, bool) {
	var m TxMeta
	if d.peek() == 0xC0 {
		d.pos++
		return m, true
	}
	n, ok := d.mapHeader()
	if !ok {
		return m, false
	}
	for range n {
		k, err := d.key()
		if err != nil {
			return m, false
		}
		switch k {
		case "bookmarks":
			if m.Bookmarks, ok = rd.bookmarks(d); !ok {
				return m, false
			}
		case "tx_timeout":
			ms, ok := d.rawInt()
			if !ok || ms < 0 {
				return m, false
			}
			m.Timeout = time.Duration(ms) * time.Millisecond
		case "tx_metadata":
			v, err := d.Value()
			if m.Metadata, ok = v.(value.Map); err != nil || !ok {
				return m, false
			}
		case "mode", "db", "imp_user":
			s, ok := d.rawString()
			if !ok {
				return m, false
			}
			switch k {
			case "mode":
				m.ReadOnly = string(s) == "r"
			case "db":
				m.DB = string(s)
			default:
				m.ImpUser = string(s)
			}
		default:
			if _, err := d.Value(); err != nil {
				return m, false
			}
		}
	}
	return m, true
}

// bookmarks decodes a list of strings, sharing the last list when equal.
func (rd *requestDecoder) bookmarks(d *Decoder) ([]string, bool) {
	n, ok := d.listHeader()
	if !ok {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	same := n == len(rd.lastBooks)
	start := d.pos
	for i := range n {
		s, ok := d.rawString()
		if !ok {
			return nil, false
		}
		same = same && string(s) == rd.lastBooks[i]
	}
	if same {
		return rd.lastBooks, true
	}
	d.pos = start
	l := make([]string, n)
	for i := range l {
		s, _ := d.rawString()
		l[i] = string(s)
	}
	rd.lastBooks = l
	return l, true
}

// pull decodes PULL's or DISCARD's n and qid.
func (rd *requestDecoder) pull(tag byte, d *Decoder) bool {
	n, ok := d.mapHeader()
	if !ok {
		return false
	}
	r := Request{Tag: tag, pullArgs: true, n: -1, qid: -1}
	for range n {
		k, err := d.key()
		if err != nil {
			return false
		}
		x, ok := d.rawInt()
		if !ok {
			return false
		}
		switch k {
		case "n":
			r.n = x
		case "qid":
			r.qid = x
		default:
			return false
		}
	}
	if !d.Done() {
		return false
	}
	rd.req = r
	return true
}

// peek returns the next marker byte without consuming it (0xC0, null, at
// the end: a caller then decodes and fails as the general path does).
func (d *Decoder) peek() byte {
	if d.pos < len(d.buf) {
		return d.buf[d.pos]
	}
	return 0xC0
}

// rawString decodes a String without boxing or copying it.
func (d *Decoder) rawString() ([]byte, bool) {
	m, err := d.byte1()
	if err != nil {
		return nil, false
	}
	n := -1
	switch {
	case m >= 0x80 && m < 0x90:
		n = int(m & 0x0F)
	case m >= 0xD0 && m <= 0xD2:
		if n, err = d.count(1<<(m-0xD0), 1); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	b, err := d.take(n)
	return b, err == nil
}

// rawInt decodes an Integer without boxing it.
func (d *Decoder) rawInt() (int64, bool) {
	m, err := d.byte1()
	if err != nil {
		return 0, false
	}
	switch {
	case m < 0x80 || m >= 0xF0:
		return int64(int8(m)), true
	case m >= 0xC8 && m <= 0xCB:
		b, err := d.take(1 << (m - 0xC8))
		if err != nil {
			return 0, false
		}
		return signedBE(b), true
	}
	return 0, false
}

// mapHeader decodes the header of a Map and returns its size.
func (d *Decoder) mapHeader() (int, bool) {
	return d.sized(0xA0, 0xD8, 2)
}

// listHeader decodes the header of a List and returns its length.
func (d *Decoder) listHeader() (int, bool) {
	return d.sized(0x90, 0xD4, 1)
}

// sized decodes a tiny or 8/16/32-bit size header of a container whose
// entries take at least minBytes each.
func (d *Decoder) sized(tiny, m8 byte, minBytes int) (int, bool) {
	m, err := d.byte1()
	if err != nil {
		return 0, false
	}
	switch {
	case m&0xF0 == tiny:
		return int(m & 0x0F), true
	case m >= m8 && m <= m8+2:
		n, err := d.count(1<<(m-m8), minBytes)
		return n, err == nil
	}
	return 0, false
}
