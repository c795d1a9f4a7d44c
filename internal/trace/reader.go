package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

// bufSize is the reader's own buffer: large enough that a refill is rare
// next to the per-request work, small enough to stay in L2. It also bounds a
// text line (maxLine), so a binary file read as text fails fast instead of
// buffering without end.
const bufSize = 64 << 10

// maxLine is the longest text line accepted, line end included.
const maxLine = bufSize

// Request is one access of a trace.
type Request struct {
	Key  uint64 // the object's identity
	Size uint32 // its size in the trace's unit (bytes for Oracle); 1 where the format has none
}

// kind is Format decoded once, so Next switches on a byte, not a string.
type kind uint8

const (
	kindARC kind = iota
	kindLIRS
	kindBE32
	kindBE64
	kindOracle
	kindLines
	kindCSV
)

// Reader streams the requests of one trace through one 64 KiB buffer. Next
// allocates nothing for the ARC, LIRS, binary and Lines formats on plain
// input (gzip's decompressor allocates a little as it refills, under one
// allocation per hundred requests; CSV allocates what encoding/csv does). A
// Reader is not safe for concurrent use.
//
// Every error a Reader returns, other than io.EOF at the end, is a
// *[ParseError] naming the input, the line (text formats) or byte offset
// (binary formats, counted in the decompressed stream) and the problem.
// After an error, Next returns the same error again.
type Reader struct {
	name   string
	format Format
	kind   kind
	rec    int // binary record size; 0 for text

	file *os.File     // owned when opened by Open; closed by Close
	gz   *gzip.Reader // non-nil when the input is gzip-compressed
	src  io.Reader    // the decompressed stream

	buf  []byte // buf[r:w] is read but not yet consumed
	r, w int
	eof  bool  // src returned io.EOF
	rerr error // src returned this error (not io.EOF); reported once buf is drained

	off  int64 // offset in the decompressed stream of buf[r]
	line int64 // number of the last line read (text formats)

	arcNext, arcLeft uint64 // ARC: the next key of the record being expanded, and how many remain

	csv    *csv.Reader
	csvCol int // 0-based column holding the key

	count int64 // requests returned
	err   error // sticky
}

// Open opens a trace file, gzip-compressed or plain (detected from the
// content), in format f; an empty f is guessed from the name with
// [GuessFormat]. Close the Reader when done.
func Open(path string, f Format) (*Reader, error) {
	if f == "" {
		var err error
		if f, err = GuessFormat(path); err != nil {
			return nil, err
		}
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	r, err := NewReader(file, path, f)
	if err != nil {
		file.Close()
		return nil, err
	}
	r.file = file
	return r, nil
}

// NewReader returns a Reader of the trace in rd, gzip-compressed or plain,
// in format f (which must not be empty). name is used in errors only.
// Close releases the decompressor; it does not close rd.
func NewReader(rd io.Reader, name string, f Format) (*Reader, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	if f == "" {
		return nil, fmt.Errorf("trace: %s: no format given", name)
	}
	r := &Reader{name: name, format: f, rec: f.recordSize()}
	switch f.base() {
	case ARC:
		r.kind = kindARC
	case LIRS:
		r.kind = kindLIRS
	case BE32:
		r.kind = kindBE32
	case BE64:
		r.kind = kindBE64
	case Oracle:
		r.kind = kindOracle
	case Lines:
		r.kind = kindLines
	case CSV:
		r.kind = kindCSV
	}

	// Read the first bytes to tell compressed input from plain; they are
	// put back in front of the rest (a read error, too, is reported in
	// its place, by Next).
	var magic [6]byte
	n, headErr := io.ReadFull(rd, magic[:])
	if headErr == io.EOF || headErr == io.ErrUnexpectedEOF {
		headErr = nil // a short input: the first Next decides
	}
	head := magic[:n]
	rest := rd
	if headErr != nil {
		rest = errReader{headErr}
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head), rest))
		if err != nil {
			return nil, &ParseError{Name: name, Offset: 0, Msg: "gzip header", Err: err}
		}
		r.gz, r.src = gz, gz
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, &ParseError{Name: name, Msg: "zstd-compressed input is not supported; decompress it first (zstd -d), or recompress it with gzip"}
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return nil, &ParseError{Name: name, Msg: "xz-compressed input is not supported; decompress it first (xz -d), or recompress it with gzip"}
	case r.kind == kindCSV:
		r.src = io.MultiReader(bytes.NewReader(head), rest)
	default:
		// Plain input is read straight into the Reader's buffer, head
		// first, with no second buffer in between.
		r.src = rd
		r.buf = make([]byte, bufSize)
		r.w = copy(r.buf, head)
		r.rerr = headErr
		return r, nil
	}

	if r.kind == kindCSV {
		if err := r.startCSV(f); err != nil {
			r.Close()
			return nil, err
		}
		return r, nil
	}
	r.buf = make([]byte, bufSize)
	return r, nil
}

// errReader returns its error from every Read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Name returns the name the Reader uses in errors.
func (r *Reader) Name() string { return r.name }

// Format returns the Reader's format.
func (r *Reader) Format() Format { return r.format }

// Count returns how many requests Next has returned so far.
func (r *Reader) Count() int64 { return r.count }

// Next returns the next request, or io.EOF after the last one.
func (r *Reader) Next() (Request, error) {
	if r.err != nil {
		return Request{}, r.err
	}
	var (
		req Request
		err error
	)
	switch r.kind {
	case kindBE32:
		var b []byte
		if b, err = r.record(); err == nil {
			req = Request{Key: uint64(binary.BigEndian.Uint32(b)), Size: 1}
		}
	case kindBE64:
		var b []byte
		if b, err = r.record(); err == nil {
			req = Request{Key: binary.BigEndian.Uint64(b), Size: 1}
		}
	case kindOracle:
		var b []byte
		if b, err = r.record(); err == nil {
			req = Request{Key: binary.LittleEndian.Uint64(b[4:]), Size: binary.LittleEndian.Uint32(b[12:])}
		}
	case kindARC:
		req, err = r.nextARC()
	case kindLIRS:
		req, err = r.nextLIRS()
	case kindLines:
		req, err = r.nextLine()
	case kindCSV:
		req, err = r.nextCSV()
	}
	if err != nil {
		r.err = err
		return Request{}, err
	}
	r.count++
	return req, nil
}

// AppendKeys reads the rest of the trace and appends every key to dst.
// It returns the keys read before an error along with the error; at the
// end of the trace the error is nil.
func (r *Reader) AppendKeys(dst []uint64) ([]uint64, error) {
	for {
		req, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return dst, nil
			}
			return dst, err
		}
		dst = append(dst, req.Key)
	}
}

// Close releases the decompressor and closes the file if the Reader was
// made by Open. It is idempotent; Next after Close returns an error.
func (r *Reader) Close() error {
	var err error
	if r.gz != nil {
		r.gz.Close()
		r.gz = nil
	}
	if r.file != nil {
		err = r.file.Close()
		r.file = nil
	}
	if r.err == nil || r.err == io.EOF {
		r.err = &ParseError{Name: r.name, Msg: "reader is closed"}
	}
	return err
}

// ReadKeys reads a whole trace file into memory as a slice of keys, for
// replays that visit the trace several times (one per cache size, say).
// An empty f is guessed from the name.
func ReadKeys(path string, f Format) ([]uint64, error) {
	r, err := Open(path, f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	keys, err := r.AppendKeys(nil)
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// ---- buffering ----

// fill reads more of src into buf, keeping buf[r:w]. It returns false when
// nothing more can be read (at EOF or after a read error).
func (r *Reader) fill() bool {
	if r.eof || r.rerr != nil {
		return false
	}
	if r.r > 0 {
		n := copy(r.buf, r.buf[r.r:r.w])
		r.r, r.w = 0, n
	}
	for empty := 0; r.w < len(r.buf); {
		n, err := r.src.Read(r.buf[r.w:])
		r.w += n
		if err != nil {
			if err == io.EOF {
				r.eof = true
			} else {
				r.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
		if empty++; empty > 100 {
			r.rerr = io.ErrNoProgress
			return false
		}
	}
	return true
}

// readErr turns a failed read of src into the error to report.
func (r *Reader) readErr() error {
	err := r.rerr
	msg := "read"
	if r.gz != nil {
		msg = "gzip"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "gzip stream truncated"
		}
	}
	if r.rec == 0 {
		return &ParseError{Name: r.name, Line: r.line + 1, Msg: msg, Err: err}
	}
	return &ParseError{Name: r.name, Offset: r.off, Msg: msg, Err: err}
}

// record returns the next binary record (valid until the next call).
func (r *Reader) record() ([]byte, error) {
	if r.w-r.r < r.rec {
		for r.w-r.r < r.rec && r.fill() {
		}
		if r.w-r.r < r.rec {
			if r.rerr != nil {
				return nil, r.readErr()
			}
			if r.w == r.r {
				return nil, io.EOF
			}
			return nil, &ParseError{Name: r.name, Offset: r.off,
				Msg: fmt.Sprintf("truncated record: %d of %d bytes", r.w-r.r, r.rec)}
		}
	}
	b := r.buf[r.r : r.r+r.rec]
	r.r += r.rec
	r.off += int64(r.rec)
	return b, nil
}

// readLine returns the next line without its "\n" or "\r\n" (valid until
// the next call), counting lines, or io.EOF after the last. A last line
// without a line end is returned like any other.
func (r *Reader) readLine() ([]byte, error) {
	scanned := 0 // bytes of buf[r:w] known to hold no '\n'
	for {
		if i := bytes.IndexByte(r.buf[r.r+scanned:r.w], '\n'); i >= 0 {
			end := r.r + scanned + i
			line := r.buf[r.r:end]
			r.off += int64(end + 1 - r.r)
			r.r = end + 1
			r.line++
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		scanned = r.w - r.r
		if scanned >= maxLine {
			r.line++
			return nil, &ParseError{Name: r.name, Line: r.line,
				Msg: fmt.Sprintf("line longer than %d bytes (is this a binary trace? give its format)", maxLine)}
		}
		if !r.fill() {
			if r.rerr != nil {
				return nil, r.readErr()
			}
			if r.w == r.r {
				return nil, io.EOF
			}
			line := r.buf[r.r:r.w]
			r.off += int64(r.w - r.r)
			r.r = r.w
			r.line++
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
	}
}

// ---- text formats ----

func (r *Reader) nextARC() (Request, error) {
	for r.arcLeft == 0 {
		line, err := r.readLine()
		if err != nil {
			return Request{}, err
		}
		var fields [4][]byte
		n := 0
		for rest := line; ; n++ {
			var f []byte
			f, rest = nextField(rest)
			if f == nil {
				break
			}
			if n == len(fields) {
				return Request{}, r.lineErr("want 4 fields (start_block num_blocks ignore request_no), got more")
			}
			fields[n] = f
		}
		if n == 0 {
			continue // a blank line
		}
		if n != 4 {
			return Request{}, r.lineErr(fmt.Sprintf("want 4 fields (start_block num_blocks ignore request_no), got %d", n))
		}
		start, err := r.uintField(1, fields[0])
		if err != nil {
			return Request{}, err
		}
		count, err := r.uintField(2, fields[1])
		if err != nil {
			return Request{}, err
		}
		if count == 0 {
			return Request{}, r.lineErr("field 2: num_blocks is 0 (a record must request at least one block)")
		}
		if start+(count-1) < start {
			return Request{}, r.lineErr(fmt.Sprintf("blocks %d..%d+%d-1 overflow uint64", start, start, count))
		}
		r.arcNext, r.arcLeft = start, count
	}
	key := r.arcNext
	r.arcNext++
	r.arcLeft--
	return Request{Key: key, Size: 1}, nil
}

func (r *Reader) nextLIRS() (Request, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Request{}, err
		}
		line = trimSpace(line)
		if len(line) == 0 || (len(line) == 1 && line[0] == '*') {
			continue
		}
		v, ok := parseUint(line)
		if !ok {
			return Request{}, r.lineErr(fmt.Sprintf("%s: not a block number", quote(line)))
		}
		return Request{Key: v, Size: 1}, nil
	}
}

func (r *Reader) nextLine() (Request, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Request{}, err
		}
		if len(line) == 0 {
			continue
		}
		return Request{Key: xxhash.Sum64(line), Size: 1}, nil
	}
}

// uintField parses field n (1-based) of the current line as a decimal
// uint64.
func (r *Reader) uintField(n int, b []byte) (uint64, error) {
	v, ok := parseUint(b)
	if !ok {
		what := "not a number"
		if isDigits(string(b)) {
			what = "out of range for uint64"
		}
		return 0, r.lineErr(fmt.Sprintf("field %d %s: %s", n, quote(b), what))
	}
	return v, nil
}

func (r *Reader) lineErr(msg string) error {
	return &ParseError{Name: r.name, Line: r.line, Msg: msg}
}

// ---- CSV ----

func (r *Reader) startCSV(f Format) error {
	col, err := f.csvColumn()
	if err != nil {
		return err
	}
	r.csv = csv.NewReader(r.src)
	r.csv.ReuseRecord = true
	r.csv.FieldsPerRecord = -1
	r.csvCol = col.index
	if !col.header {
		return nil
	}
	header, err := r.csv.Read()
	r.line = 1
	if err != nil {
		r.line = 0
		if err == io.EOF {
			return &ParseError{Name: r.name, Line: 1, Msg: fmt.Sprintf("empty file: no header to find column %q in", col.name)}
		}
		return r.csvErr(err)
	}
	for i, h := range header {
		if i == 0 {
			h = trimBOM(h)
		}
		if h == col.name {
			r.csvCol = i
			return nil
		}
	}
	return &ParseError{Name: r.name, Line: 1, Msg: fmt.Sprintf("header has no column %q (it has %s)", col.name, quoteFields(header))}
}

func (r *Reader) nextCSV() (Request, error) {
	rec, err := r.csv.Read()
	if err != nil {
		if err == io.EOF {
			return Request{}, io.EOF
		}
		return Request{}, r.csvErr(err)
	}
	line, _ := r.csv.FieldPos(0) // a record read without error has a field
	r.line = int64(line)
	if r.csvCol >= len(rec) {
		return Request{}, &ParseError{Name: r.name, Line: r.line,
			Msg: fmt.Sprintf("record has %d fields, want column %d", len(rec), r.csvCol+1)}
	}
	field := rec[r.csvCol]
	if r.count == 0 && r.csvCol == 0 {
		field = trimBOM(field)
	}
	if v, err := strconv.ParseUint(field, 10, 64); err == nil {
		return Request{Key: v, Size: 1}, nil
	}
	if v, err := strconv.ParseInt(field, 10, 64); err == nil {
		return Request{Key: uint64(v), Size: 1}, nil
	}
	return Request{Key: xxhash.Sum64String(field), Size: 1}, nil
}

func (r *Reader) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Name: r.name, Line: int64(pe.Line), Msg: fmt.Sprintf("column %d", pe.Column), Err: pe.Err}
	}
	// A read error: it struck after the last record returned (r.line).
	msg := "read"
	if r.gz != nil {
		msg = "gzip"
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "gzip stream truncated"
		}
	}
	return &ParseError{Name: r.name, Line: r.line + 1, Msg: msg, Err: err}
}

func trimBOM(s string) string {
	if len(s) >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf {
		return s[3:]
	}
	return s
}
