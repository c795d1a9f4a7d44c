package trace

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// fuzzReader seeds a fuzz target for format with the package's well-formed
// and malformed inputs of that format, plain and gzipped, and checks that
// any input reads to io.EOF or to a positioned *ParseError, never a panic,
// and agrees with model where one is given.
func fuzzReader(f *testing.F, format Format, model func(data []byte) ([]uint64, bool)) {
	for _, tt := range wellFormed {
		if tt.format.base() == format.base() {
			f.Add(tt.data)
			f.Add(gz(f, tt.data))
		}
	}
	for _, tt := range malformed {
		if tt.format.base() == format.base() && len(tt.data) < 1024 {
			f.Add(tt.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := readFuzz(data, format)
		if err != nil {
			checkFuzzErr(t, data, format, err)
		}
		if model == nil || isCompressed(data) {
			return
		}
		want, ok := model(data)
		if ok != (err == nil) {
			t.Fatalf("reader err = %v; model ok = %v", err, ok)
		}
		// Before an error the reader has returned exactly the model's
		// keys up to that point.
		if len(keys) > len(want) || !equalKeys(keys, want[:len(keys)]) || (ok && len(keys) != len(want)) {
			t.Fatalf("reader gave %d keys, model %d (err %v)", len(keys), len(want), err)
		}
	})
}

// maxFuzzRequests bounds a fuzz run, since one ARC line may ask for 2^64
// blocks.
const maxFuzzRequests = 1 << 12

func readFuzz(data []byte, format Format) ([]uint64, error) {
	r, err := NewReader(bytes.NewReader(data), "fuzz", format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var keys []uint64
	for len(keys) < maxFuzzRequests {
		req, err := r.Next()
		if err == io.EOF {
			return keys, nil
		}
		if err != nil {
			if _, again := r.Next(); again != err {
				return keys, errors.New("error not sticky: " + err.Error() + " then " + again.Error())
			}
			return keys, err
		}
		keys = append(keys, req.Key)
	}
	return keys, nil
}

func checkFuzzErr(t *testing.T, data []byte, format Format, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Name != "fuzz" || !strings.HasPrefix(err.Error(), "trace: fuzz") {
		t.Fatalf("err = %v (%T), want a *ParseError naming the input", err, err)
	}
	if pe.Line < 0 || pe.Offset < 0 {
		t.Fatalf("err = %v: negative position", err)
	}
	if rec := format.recordSize(); rec > 0 && !isCompressed(data) {
		if pe.Offset%int64(rec) != 0 || pe.Offset > int64(len(data)) {
			t.Fatalf("err = %v: offset not at a record boundary within %d bytes", err, len(data))
		}
		if want := int64(len(data) - len(data)%rec); pe.Offset != want {
			t.Fatalf("err = %v: want the truncated record at offset %d", err, want)
		}
	}
	if format.recordSize() == 0 && !isCompressed(data) && pe.Line == 0 {
		t.Fatalf("err = %v: a text format's error names no line", err)
	}
}

func isCompressed(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0x1f, 0x8b}) ||
		bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) ||
		bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0})
}

func equalKeys(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// modelLines splits data as the text formats do, in the plainest way.
func modelLines(data []byte) ([]string, bool) {
	s := string(data)
	if s == "" {
		return nil, true
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if len(l)+1 > maxLine {
			return nil, false
		}
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines, true
}

func modelLIRS(data []byte) ([]uint64, bool) {
	lines, ok := modelLines(data)
	if !ok {
		return nil, false
	}
	var keys []uint64
	for _, l := range lines {
		l = strings.Trim(l, " \t\r\v\f")
		if l == "" || l == "*" {
			continue
		}
		if l[0] == '+' {
			return keys, false // ParseUint takes no sign; neither does the reader
		}
		v, err := strconv.ParseUint(l, 10, 64)
		if err != nil {
			return keys, false
		}
		keys = append(keys, v)
	}
	return keys, true
}

func modelLinesFormat(data []byte) ([]uint64, bool) {
	lines, ok := modelLines(data)
	if !ok {
		return nil, false
	}
	var keys []uint64
	for _, l := range lines {
		if l != "" {
			keys = append(keys, xxhash.Sum64String(l))
		}
	}
	return keys, true
}

func modelARC(data []byte) ([]uint64, bool) {
	lines, ok := modelLines(data)
	if !ok {
		return nil, false
	}
	var keys []uint64
	for _, l := range lines {
		fields := strings.FieldsFunc(l, func(r rune) bool { return strings.ContainsRune(" \t\r\v\f", r) })
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 4 || fields[0][0] == '+' || fields[1][0] == '+' {
			return keys, false
		}
		start, err1 := strconv.ParseUint(fields[0], 10, 64)
		n, err2 := strconv.ParseUint(fields[1], 10, 64)
		if err1 != nil || err2 != nil || n == 0 || start+(n-1) < start {
			return keys, false
		}
		for i := uint64(0); i < n && len(keys) < maxFuzzRequests; i++ {
			keys = append(keys, start+i)
		}
		if len(keys) >= maxFuzzRequests {
			return keys, true
		}
	}
	return keys, true
}

func modelBinary(rec int, key func([]byte) uint64) func([]byte) ([]uint64, bool) {
	return func(data []byte) ([]uint64, bool) {
		var keys []uint64
		for len(data) >= rec && len(keys) < maxFuzzRequests {
			keys = append(keys, key(data))
			data = data[rec:]
		}
		return keys, len(data) == 0 || len(keys) >= maxFuzzRequests
	}
}

func FuzzReader_ARC(f *testing.F)  { fuzzReader(f, ARC, modelARC) }
func FuzzReader_LIRS(f *testing.F) { fuzzReader(f, LIRS, modelLIRS) }
func FuzzReader_BE32(f *testing.F) {
	fuzzReader(f, BE32, modelBinary(4, func(b []byte) uint64 {
		return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	}))
}
func FuzzReader_BE64(f *testing.F) {
	fuzzReader(f, BE64, modelBinary(8, func(b []byte) uint64 {
		var v uint64
		for _, c := range b[:8] {
			v = v<<8 | uint64(c)
		}
		return v
	}))
}
func FuzzReader_Oracle(f *testing.F) {
	fuzzReader(f, Oracle, modelBinary(24, func(b []byte) uint64 {
		var v uint64
		for i := 11; i >= 4; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}))
}
func FuzzReader_Lines(f *testing.F)     { fuzzReader(f, Lines, modelLinesFormat) }
func FuzzReader_CSV(f *testing.F)       { fuzzReader(f, CSV, nil) }
func FuzzReader_CSVByName(f *testing.F) { fuzzReader(f, "csv:user", nil) }

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"arc", "csv:2", "CSV:name", "oracleGeneral", "csv:", "x:y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFormat(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "trace: ") {
				t.Fatalf("ParseFormat(%q) err = %v", s, err)
			}
			return
		}
		// What ParseFormat accepts, NewReader accepts, and parsing is
		// idempotent.
		if again, err := ParseFormat(string(got)); err != nil || again != got {
			t.Fatalf("ParseFormat(%q) = %q, but ParseFormat(%q) = %q, %v", s, got, got, again, err)
		}
		if got != "" {
			// (An empty input may still be refused, for want of a header.)
			var pe *ParseError
			if _, err := NewReader(strings.NewReader(""), "in", got); err != nil && !errors.As(err, &pe) {
				t.Fatalf("ParseFormat(%q) = %q, which NewReader refuses: %v", s, got, err)
			}
		}
	})
}

func FuzzParseReference(f *testing.F) {
	f.Add("file\trequests\tunique_keys\tcache_size\tlru_hits\topt_hits\tarc_hits\na\t10\t5\t2\t1\t3\t3\n")
	f.Add("file\trequests\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := ParseReference(strings.NewReader(text), "ref")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || !strings.HasPrefix(err.Error(), "trace: ref:") {
				t.Fatalf("err = %v, want a *ParseError with a line", err)
			}
			return
		}
		for _, r := range rows {
			if r.File == "" || r.UniqueKeys > r.Requests || r.LRUHits > r.Requests-r.UniqueKeys || r.CacheSize < 0 {
				t.Fatalf("accepted an inconsistent row %+v", r)
			}
		}
	})
}
