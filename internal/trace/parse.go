package trace

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError is the error a [Reader] returns for malformed or unreadable
// input. Its message has the form
//
//	trace: OLTP.lis.gz:17: field 2 "x": not a number
//	trace: web07.trace.gz: offset 304468: truncated record: 2 of 4 bytes
type ParseError struct {
	Name   string // the file name given to Open or NewReader
	Line   int64  // 1-based line of a text format; 0 for binary formats
	Offset int64  // byte offset in the decompressed stream (binary formats)
	Msg    string // what was wrong
	Err    error  // the underlying error, if any (a gzip or read error)
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("trace: ")
	b.WriteString(e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	} else {
		fmt.Fprintf(&b, ": offset %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// nextField returns the first run of non-space bytes of b and the rest of
// b after it, or nil if b holds only spaces.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseUint parses a non-empty run of decimal digits that fits a uint64.
// It allocates nothing, unlike strconv.ParseUint on a converted []byte.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, false
		}
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// quote returns b quoted for an error message, cut to a readable length.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

func quoteFields(fields []string) string {
	q := make([]string, 0, len(fields))
	for i, f := range fields {
		if i == 8 {
			q = append(q, "…")
			break
		}
		q = append(q, quote([]byte(f)))
	}
	return strings.Join(q, ", ")
}
