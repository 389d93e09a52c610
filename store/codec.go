package store

// The codec: every record in the store is one version byte followed by tagged fields.
//
// Why not JSON: listing 1,000 meetings with 20,000 item summaries must take a few
// milliseconds, and encoding/json decodes that (≈ 4 MB) in tens of them. This format
// decodes the same in about a millisecond, because a record is copied out of the
// transaction once, as one string, and every string field is a substring of it.
//
// Wire format (protobuf's, trimmed to two wire types): a field is a uvarint tag
// (number<<3 | type) then, for type 0, a uvarint value or, for type 2, a uvarint length
// and that many bytes (strings, times and nested records). Zero values are left out.
// Unknown fields are skipped, so a field added later is read as zero by older records
// and ignored by older programs. A change that old readers must not misread bumps
// codecVersion and comes with a migration that rewrites the records.
//
// Every field of the agenda types must be listed in records.go: TestCodecCoversEveryField
// fills every field by reflection and fails when one does not survive the round trip, so
// a field added to agenda is never silently dropped by the store.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

const codecVersion = 1

const (
	wireVarint = 0
	wireBytes  = 2
)

// errDamaged is wrapped by every decoding error: the bytes are not a record we wrote.
var errDamaged = errors.New("damaged record")

// enc appends fields to a record.
type enc struct{ b []byte }

func newRecord() *enc { return &enc{b: append(make([]byte, 0, 256), codecVersion)} }

func (e *enc) tag(f, wire int) { e.b = binary.AppendUvarint(e.b, uint64(f)<<3|uint64(wire)) }

func (e *enc) uint(f int, v uint64) {
	if v != 0 {
		e.tag(f, wireVarint)
		e.b = binary.AppendUvarint(e.b, v)
	}
}

// intAlways writes v even when it is zero: for *int fields, where nil and 0 differ.
func (e *enc) intAlways(f int, v int64) {
	e.tag(f, wireVarint)
	e.b = binary.AppendVarint(e.b, v)
}

func (e *enc) int(f int, v int64) {
	if v != 0 {
		e.intAlways(f, v)
	}
}

func (e *enc) bool(f int, v bool) {
	if v {
		e.uint(f, 1)
	}
}

func (e *enc) str(f int, s string) {
	if s != "" {
		e.strAlways(f, s)
	}
}

func (e *enc) strAlways(f int, s string) {
	e.tag(f, wireBytes)
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

// time is seconds and nanoseconds since 1970 (zone dropped: every agenda time is read
// back in agenda.Copenhagen, which is how dagsorden shows them anyway).
func (e *enc) time(f int, t time.Time) {
	if t.IsZero() {
		return
	}
	e.msg(f, func(e *enc) {
		e.b = binary.AppendVarint(e.b, t.Unix())
		e.b = binary.AppendUvarint(e.b, uint64(t.Nanosecond()))
	})
}

// msg writes a nested record. The length goes before the body, so reserve one byte and
// shift the body in the rare case its length needs more.
func (e *enc) msg(f int, body func(*enc)) {
	e.tag(f, wireBytes)
	at := len(e.b)
	e.b = append(e.b, 0)
	body(e)
	n := len(e.b) - at - 1
	if n < 0x80 {
		e.b[at] = byte(n)
		return
	}
	var lb [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lb[:], uint64(n))
	e.b = append(e.b, lb[:ln-1]...)
	copy(e.b[at+ln:], e.b[at+1:at+1+n])
	copy(e.b[at:], lb[:ln])
}

// dec reads fields from a record held as a string, so string fields are substrings of
// it and cost no allocation.
type dec struct {
	s   string
	err error
}

// openRecord checks the version byte and returns a decoder over a copy of b: b may be
// memory of a bbolt transaction, which is gone once it ends.
func openRecord(b []byte) (*dec, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", errDamaged)
	}
	if b[0] != codecVersion {
		if b[0] > codecVersion {
			return nil, fmt.Errorf("the data folder was written by a newer dagsorden (record version %d); update dagsorden", b[0])
		}
		return nil, fmt.Errorf("%w: unknown record version %d", errDamaged, b[0])
	}
	return &dec{s: string(b[1:])}, nil
}

// openRecordString is openRecord for a record already copied out of the transaction.
func openRecordString(s string) (*dec, error) {
	if s == "" || s[0] != codecVersion {
		return openRecord([]byte(s[:min(len(s), 1)])) // the same errors
	}
	return &dec{s: s[1:]}, nil
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errDamaged}, args...)...)
	}
	d.s = ""
}

func (d *dec) more() bool { return d.err == nil && d.s != "" }

func (d *dec) uvarint() uint64 {
	var v uint64
	for i, shift := 0, uint(0); i < len(d.s) && i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break
			}
			d.s = d.s[i+1:]
			return v | uint64(c)<<shift
		}
		v |= uint64(c&0x7f) << shift
	}
	d.fail("bad varint")
	return 0
}

// field reads the next tag.
func (d *dec) field() (f, wire int) {
	t := d.uvarint()
	return int(t >> 3), int(t & 7)
}

func (d *dec) bytes(wire int) string {
	if wire != wireBytes {
		d.fail("field of wire type %d where bytes were expected", wire)
		return ""
	}
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.fail("field of %d bytes in %d", n, len(d.s))
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *dec) str(wire int) string { return d.bytes(wire) }

func (d *dec) uint(wire int) uint64 {
	if wire != wireVarint {
		d.fail("field of wire type %d where a number was expected", wire)
		return 0
	}
	return d.uvarint()
}

func (d *dec) int(wire int) int64 {
	u := d.uint(wire)
	return int64(u>>1) ^ -int64(u&1)
}

func (d *dec) bool(wire int) bool { return d.uint(wire) != 0 }

// sub returns a decoder over a nested record; its errors are copied back by done.
func (d *dec) sub(wire int) *dec { return &dec{s: d.bytes(wire), err: d.err} }

func (d *dec) done(sub *dec) {
	if d.err == nil && sub.err != nil {
		d.err = sub.err
		d.s = ""
	}
}

func (d *dec) time(wire int) time.Time {
	sub := d.sub(wire)
	sec := sub.int(wireVarint)
	nsec := sub.uvarint()
	if sub.err == nil && (sub.s != "" || nsec >= 1e9) {
		sub.fail("bad time")
	}
	d.done(sub)
	t := time.Unix(sec, int64(nsec))
	if d.err != nil || t.IsZero() {
		return time.Time{}
	}
	return t.In(agenda.Copenhagen)
}

func (d *dec) skip(wire int) {
	switch wire {
	case wireVarint:
		d.uvarint()
	case wireBytes:
		d.bytes(wire)
	default:
		d.fail("unknown wire type %d", wire)
	}
}
