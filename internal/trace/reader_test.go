package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cespare/xxhash/v2"
)

// readAll reads every request of data in format f, through NewReader.
func readAll(t *testing.T, data []byte, f Format) ([]Request, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), "in", f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var reqs []Request
	for {
		req, err := r.Next()
		if err == io.EOF {
			return reqs, nil
		}
		if err != nil {
			return reqs, err
		}
		reqs = append(reqs, req)
	}
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func keysOf(reqs []Request) []uint64 {
	keys := make([]uint64, len(reqs))
	for i, r := range reqs {
		keys[i] = r.Key
	}
	return keys
}

func be32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func be64(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

func oracleRecord(ts uint32, id uint64, size uint32, next int64) []byte {
	b := binary.LittleEndian.AppendUint32(nil, ts)
	b = binary.LittleEndian.AppendUint64(b, id)
	b = binary.LittleEndian.AppendUint32(b, size)
	return binary.LittleEndian.AppendUint64(b, uint64(next))
}

func h(s string) uint64 { return xxhash.Sum64String(s) }

// wellFormed are inputs of every format with the requests they hold.
var wellFormed = []struct {
	name   string
	format Format
	data   []byte
	want   []Request
}{
	{"arc expands blocks", ARC, []byte("10 3 0 0\n7 1 0 1\r\n\n  100\t2 x y  \n5 1 0 3"),
		[]Request{{10, 1}, {11, 1}, {12, 1}, {7, 1}, {100, 1}, {101, 1}, {5, 1}}},
	{"lirs skips checkpoints and blanks", LIRS, []byte("1\n*\n2\r\n\n 3 \n18446744073709551615"),
		[]Request{{1, 1}, {2, 1}, {3, 1}, {1<<64 - 1, 1}}},
	{"lirs empty", LIRS, nil, nil},
	{"be32", BE32, be32(0, 1, 1<<32-1), []Request{{0, 1}, {1, 1}, {1<<32 - 1, 1}}},
	{"be64", BE64, be64(0, 1<<64-1, 42), []Request{{0, 1}, {1<<64 - 1, 1}, {42, 1}}},
	{"oracle", Oracle, append(oracleRecord(1, 7, 4096, 2), oracleRecord(2, 9, 0, -1)...),
		[]Request{{7, 4096}, {9, 0}}},
	{"lines hashes each line", Lines, []byte("user:1\r\nuser:2\n\nuser:1"),
		[]Request{{h("user:1"), 1}, {h("user:2"), 1}, {h("user:1"), 1}}},
	{"csv first column", CSV, []byte("1,a\n-1,b\n\"x,y\",c\n"),
		[]Request{{1, 1}, {1<<64 - 1, 1}, {h("x,y"), 1}}},
	{"csv column by index", "csv:2", []byte("1,a\n2,17\n"),
		[]Request{{h("a"), 1}, {17, 1}}},
	{"csv column by name", "csv:user", []byte("\ufeffts,user\n1,alice\n2,42\n"),
		[]Request{{h("alice"), 1}, {42, 1}}},
	{"csv bom on data", CSV, []byte("\ufeff5,x\n"), []Request{{5, 1}}},
}

func TestReader_ReadsEveryFormatPlainAndGzipped(t *testing.T) {
	for _, tt := range wellFormed {
		t.Run(tt.name, func(t *testing.T) {
			for _, data := range [][]byte{tt.data, gz(t, tt.data)} {
				got, err := readAll(t, data, tt.format)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestReader_ReadsConcatenatedGzipMembers(t *testing.T) {
	data := append(gz(t, be32(1, 2)), gz(t, be32(3))...)
	got, err := readAll(t, data, BE32)
	if err != nil || !slices.Equal(keysOf(got), []uint64{1, 2, 3}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestReader_ReadsLinesAcrossBufferRefills(t *testing.T) {
	var b strings.Builder
	var want []uint64
	for i := range 50000 {
		n := uint64(i * 7919)
		want = append(want, n)
		b.WriteString(strings.Repeat(" ", i%5))
		b.WriteString(string(binary.AppendUvarint(nil, 0)[:0]))
		b.WriteString(uitoa(n))
		if i%3 == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	got, err := readAll(t, []byte(b.String()), LIRS)
	if err != nil || !slices.Equal(keysOf(got), want) {
		t.Fatalf("%d keys, err %v; want %d keys", len(got), err, len(want))
	}
}

func uitoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// malformed are inputs that must fail, with the error text they must give:
// name, position and problem.
var malformed = []struct {
	name   string
	format Format
	data   []byte
	want   string
}{
	{"arc letters", ARC, []byte("1 1 0 0\n2 x 0 0\n"), `trace: in:2: field 2 "x": not a number`},
	{"arc negative", ARC, []byte("-1 1 0 0\n"), `trace: in:1: field 1 "-1": not a number`},
	{"arc overflow", ARC, []byte("99999999999999999999 1 0 0\n"), `trace: in:1: field 1 "99999999999999999999": out of range for uint64`},
	{"arc zero blocks", ARC, []byte("1 1 0 0\n5 0 0 0\n"), "trace: in:2: field 2: num_blocks is 0"},
	{"arc block overflow", ARC, []byte("18446744073709551615 2 0 0\n"), "trace: in:1: blocks 18446744073709551615..18446744073709551615+2-1 overflow uint64"},
	{"arc too few fields", ARC, []byte("1 1 0 0\n1 1\n"), "trace: in:2: want 4 fields (start_block num_blocks ignore request_no), got 2"},
	{"arc too many fields", ARC, []byte("1 1 0 0 0\n"), "trace: in:1: want 4 fields (start_block num_blocks ignore request_no), got more"},
	{"arc is not lirs", ARC, []byte("17\n"), "trace: in:1: want 4 fields"},
	{"lirs letters", LIRS, []byte("1\n2\n3x\n"), `trace: in:3: "3x": not a block number`},
	{"lirs two numbers", LIRS, []byte("1 2\n"), `trace: in:1: "1 2": not a block number`},
	{"lirs binary", LIRS, be64(1<<60 + 1), `trace: in:1: "\x10\x00\x00\x00\x00\x00\x00\x01": not a block number`},
	{"lirs long line", LIRS, bytes.Repeat([]byte("1"), 70000), "trace: in:1: line longer than 65536 bytes"},
	{"lines long line", Lines, append([]byte("a\n"), bytes.Repeat([]byte("x"), 70000)...), "trace: in:2: line longer than 65536 bytes"},
	{"be32 truncated", BE32, append(be32(1, 2), 0, 0), "trace: in: offset 8: truncated record: 2 of 4 bytes"},
	{"be64 truncated", BE64, append(be64(1), 0, 0, 0, 0, 0, 0, 0), "trace: in: offset 8: truncated record: 7 of 8 bytes"},
	{"oracle truncated", Oracle, oracleRecord(1, 2, 3, -1)[:23], "trace: in: offset 0: truncated record: 23 of 24 bytes"},
	{"csv missing column", "csv:3", []byte("1,2,3\n1,2\n"), "trace: in:2: record has 2 fields, want column 3"},
	{"csv no such header", "csv:user", []byte("ts,key\n1,2\n"), `trace: in:1: header has no column "user" (it has "ts", "key")`},
	{"csv empty with header", "csv:user", nil, `trace: in:1: empty file: no header to find column "user" in`},
	{"csv bad quote", CSV, []byte("1\n\"a\"b\n"), "trace: in:2: column 3: extraneous or missing \" in quoted-field"},
	{"zstd", BE64, []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0}, "trace: in: offset 0: zstd-compressed input is not supported"},
	{"xz", LIRS, []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1}, "trace: in: offset 0: xz-compressed input is not supported"},
	{"gzip header", LIRS, []byte{0x1f, 0x8b, 0, 0}, "trace: in: offset 0: gzip header: unexpected EOF"},
}

func TestReader_MalformedInputGivesPositionedError(t *testing.T) {
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.data, tt.format)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix  %s", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Name != "in" {
				t.Fatalf("err = %#v, want a *ParseError naming the input", err)
			}
		})
	}
}

func TestReader_TruncatedGzipIsAnError(t *testing.T) {
	for _, tt := range wellFormed {
		if len(tt.data) == 0 {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			full := gz(t, tt.data)
			// Cut inside the deflate data and inside the 8-byte trailer.
			for _, cut := range []int{len(full) / 2, len(full) - 4, len(full) - 1} {
				_, err := readAll(t, full[:cut], tt.format)
				if err == nil {
					t.Fatalf("cut at %d of %d: no error", cut, len(full))
				}
				if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "trace: in") {
					t.Fatalf("cut at %d of %d: err = %v, want a positioned unexpected EOF", cut, len(full), err)
				}
			}
		})
	}
}

func TestReader_CorruptGzipIsAnError(t *testing.T) {
	full := gz(t, be32(1, 2, 3, 4))
	full[len(full)-8] ^= 0xff // the CRC-32
	_, err := readAll(t, full, BE32)
	if !errors.Is(err, gzip.ErrChecksum) || !strings.HasPrefix(err.Error(), "trace: in: offset ") {
		t.Fatalf("err = %v, want a positioned gzip checksum error", err)
	}
}

func TestReader_ErrorsAreSticky(t *testing.T) {
	r, err := NewReader(strings.NewReader("1\nx\n2\n"), "in", LIRS)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if req, err := r.Next(); err != nil || req.Key != 1 {
		t.Fatalf("first Next = %v, %v", req, err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v then %v; want the same error twice", err1, err2)
	}
}

func TestReader_CloseIsIdempotentAndEndsReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.be32.gz")
	if err := os.WriteFile(path, gz(t, be32(5, 6)), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != BE32 || r.Name() != path {
		t.Fatalf("Format, Name = %q, %q", r.Format(), r.Name())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "reader is closed") {
		t.Fatalf("Next after Close: %v", err)
	}
}

func TestReadKeys_ReadsAFileAndNamesItInErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "keys.trace")
	if err := os.WriteFile(good, []byte("3\n1\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keys, err := ReadKeys(good, "")
	if err != nil || !slices.Equal(keys, []uint64{3, 1, 3}) {
		t.Fatalf("ReadKeys = %v, %v", keys, err)
	}
	bad := filepath.Join(dir, "bad.lis")
	if err := os.WriteFile(bad, []byte("1 1 0 0\n1 one 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKeys(bad, ""); err == nil || err.Error() != `trace: `+bad+`:2: field 2 "one": not a number` {
		t.Fatalf("ReadKeys(bad) err = %v", err)
	}
	if _, err := ReadKeys(filepath.Join(dir, "absent.lis"), ""); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadKeys(absent) err = %v", err)
	}
	if _, err := ReadKeys(filepath.Join(dir, "what.bin"), ""); err == nil || !strings.Contains(err.Error(), "cannot guess") {
		t.Fatalf("ReadKeys(unguessable) err = %v", err)
	}
}

func TestNewReader_RejectsUnknownAndEmptyFormats(t *testing.T) {
	for _, f := range []Format{"", "arcs", "csv:", "csv:0", "lirs:2"} {
		if _, err := NewReader(strings.NewReader(""), "in", f); err == nil || !strings.HasPrefix(err.Error(), "trace: ") {
			t.Errorf("NewReader(%q) err = %v", f, err)
		}
	}
}

func TestParseFormat_AcceptsNamesAliasesAndCSVColumns(t *testing.T) {
	for in, want := range map[string]Format{
		"arc": ARC, "ARC": ARC, " lirs ": LIRS, "be32": BE32, "cache2k": BE32, "int64": BE64,
		"oracleGeneral": Oracle, "oracle": Oracle, "lines": Lines, "csv": CSV,
		"csv:3": "csv:3", "CSV:UserID": "csv:UserID", "": "",
	} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"zip", "csv:", "csv:0", "arc:1"} {
		if _, err := ParseFormat(in); err == nil || !strings.HasPrefix(err.Error(), "trace: ") {
			t.Errorf("ParseFormat(%q) err = %v", in, err)
		}
	}
	if len(Formats()) != 7 || CSVColumn("id") != "csv:id" {
		t.Errorf("Formats() = %v, CSVColumn(id) = %q", Formats(), CSVColumn("id"))
	}
}

func TestGuessFormat_FromNames(t *testing.T) {
	for in, want := range map[string]Format{
		"OLTP.lis": ARC, "x/P3.lis.gz": ARC, "lirs/gli.trace.gz": LIRS, "cs.trace": LIRS,
		"cache2k/web07.trace.gz": BE32, "scarab/scarab-recs.trace.gz": BE64, "scarab-recs.trace": BE64,
		"a.be32": BE32, "a.i64.gz": BE64, "w.oracleGeneral.bin": Oracle, "cloudPhysicsIO.oracleGeneral.bin.gz": Oracle,
		"keys.csv": CSV, "keys.txt": Lines, "access.log.gz": Lines, "x.keys": Lines,
	} {
		got, err := GuessFormat(in)
		if err != nil || got != want {
			t.Errorf("GuessFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := GuessFormat("data.bin"); err == nil || !strings.Contains(err.Error(), "data.bin") {
		t.Errorf("GuessFormat(data.bin) err = %v", err)
	}
}

func TestReader_NextAllocatesNothing(t *testing.T) {
	for _, f := range []Format{ARC, LIRS, BE32, BE64, Oracle, Lines} {
		data := benchInput(f, 20000)
		for _, in := range []struct {
			name string
			data []byte
		}{{"plain", data}, {"gzip", gz(t, data)}} {
			r, err := NewReader(bytes.NewReader(in.data), "in", f)
			if err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(10000, func() {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			})
			r.Close()
			// gzip's decompressor allocates now and then as it refills;
			// averaged over requests that is under one in a hundred (0.007 for
			// binary input in BenchmarkReader).
			if limit := map[string]float64{"plain": 0, "gzip": 0.02}[in.name]; allocs > limit {
				t.Errorf("%s %s: %v allocations per Next, want ≤ %v", f, in.name, allocs, limit)
			}
		}
	}
}

func TestReader_ReportsReadErrorsInPlace(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name   string
		format Format
		data   []byte
		keys   []uint64
		want   string
	}{
		{"text", LIRS, []byte("1\n2\n"), []uint64{1, 2}, "trace: in:3: read: boom"},
		{"text, in the first bytes", LIRS, []byte("7\n"), []uint64{7}, "trace: in:2: read: boom"},
		{"binary", BE32, be32(5, 6, 7), []uint64{5, 6, 7}, "trace: in: offset 12: read: boom"},
		{"binary, in the first bytes", BE32, be32(5), []uint64{5}, "trace: in: offset 4: read: boom"},
		{"csv", CSV, []byte("1\n2\n"), []uint64{1, 2}, "trace: in:3: read: boom"},
		{"gzip", BE64, gz(t, be64(1, 2))[:20], []uint64{1, 2}, "trace: in: offset 16: gzip: boom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(io.MultiReader(bytes.NewReader(tt.data), iotestErr{boom}), "in", tt.format)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			keys, err := r.AppendKeys(nil)
			if !slices.Equal(keys, tt.keys) || !errors.Is(err, boom) || err.Error() != tt.want {
				t.Fatalf("keys %v, err %v; want %v, %s", keys, err, tt.keys, tt.want)
			}
		})
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func TestReader_ReadsOneByteAtATime(t *testing.T) {
	for _, tt := range wellFormed {
		t.Run(tt.name, func(t *testing.T) {
			for _, data := range [][]byte{tt.data, gz(t, tt.data)} {
				r, err := NewReader(iotest.OneByteReader(bytes.NewReader(data)), "in", tt.format)
				if err != nil {
					t.Fatal(err)
				}
				var got []Request
				for {
					req, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, req)
				}
				r.Close()
				if !slices.Equal(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
