package trace

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Format names a trace layout. It is a string so that a command-line flag
// maps onto it directly ("arc", "csv:user_id") and a Go caller can write the
// constants. The empty Format asks [Open] to guess from the file name
// ([GuessFormat]).
//
// Every text format accepts "\n" and "\r\n" line ends; every format may be
// gzip-compressed (detected from the magic bytes, not the name).
type Format string

// The formats a [Reader] understands.
const (
	// ARC is the trace format of the ARC paper (Megiddo and Modha, FAST '03):
	// ASCII lines "start_block num_blocks ignore request_no". A record
	// expands into num_blocks requests for the consecutive keys
	// start_block … start_block+num_blocks-1, as the ARC paper, Caffeine,
	// otter and ristretto do.
	ARC Format = "arc"
	// LIRS is the format of the LIRS paper's traces: one decimal block
	// number per line; lines that are exactly "*" (checkpoints) and empty
	// lines are skipped.
	LIRS Format = "lirs"
	// BE32 is a raw stream of 4-byte big-endian unsigned integers, one
	// request each (Caffeine's cache2k traces).
	BE32 Format = "be32"
	// BE64 is a raw stream of 8-byte big-endian unsigned integers, one
	// request each (Caffeine's scarab traces).
	BE64 Format = "be64"
	// Oracle is libCacheSim's oracleGeneral layout: 24-byte little-endian
	// records {uint32 timestamp; uint64 obj_id; uint32 obj_size; int64
	// next_access_vtime}. The key is obj_id and the size obj_size; the
	// other fields are not checked.
	Oracle Format = "oracle"
	// Lines is one key per line, any text: the line (without its line end)
	// is hashed with xxhash to a 64-bit key. Empty lines are skipped. Use it
	// to replay your own key logs.
	Lines Format = "lines"
	// CSV reads one column of a CSV file (RFC 4180, as encoding/csv reads
	// it) as the key: a field that is a decimal integer is the key itself
	// (negative ones as their two's complement), any other text is hashed
	// with xxhash. Plain "csv" reads the first column with no header;
	// "csv:N" reads column N counted from 1 (as cut -f and awk do) with no
	// header; "csv:NAME" treats the first record as a header and reads the
	// column named NAME. See [CSVColumn].
	CSV Format = "csv"
)

// formats lists the formats in the order help texts show them.
var formats = []Format{ARC, LIRS, BE32, BE64, Oracle, Lines, CSV}

// Formats returns the names of every format, for help texts and errors.
func Formats() []Format { return append([]Format(nil), formats...) }

// CSVColumn returns the CSV format reading the named column (the first
// record is then a header) or, if column is a positive decimal number, the
// column at that 1-based index (every record is then data).
func CSVColumn(column string) Format { return CSV + ":" + Format(column) }

// base returns the format without a CSV column.
func (f Format) base() Format {
	if i := strings.IndexByte(string(f), ':'); i >= 0 {
		return f[:i]
	}
	return f
}

// recordSize returns the size of a binary record, or 0 for a text format.
func (f Format) recordSize() int {
	switch f {
	case BE32:
		return 4
	case BE64:
		return 8
	case Oracle:
		return 24
	}
	return 0
}

// csvColumn describes which CSV column holds the key.
type csvColumn struct {
	index  int    // 0-based; meaningful when name == ""
	name   string // header name; "" when chosen by index
	header bool   // the first record is a header
}

// csvColumn decodes the part of a CSV format after "csv".
func (f Format) csvColumn() (csvColumn, error) {
	spec, ok := strings.CutPrefix(string(f), string(CSV))
	if !ok {
		return csvColumn{}, fmt.Errorf("trace: %q is not a CSV format", string(f))
	}
	if spec == "" {
		return csvColumn{}, nil
	}
	spec, ok = strings.CutPrefix(spec, ":")
	if !ok || spec == "" {
		return csvColumn{}, fmt.Errorf("trace: format %q: want csv, csv:N (1-based column) or csv:NAME (header name)", string(f))
	}
	if isDigits(spec) {
		n, err := strconv.Atoi(spec)
		if err != nil || n < 1 {
			return csvColumn{}, fmt.Errorf("trace: format %q: column index must be ≥ 1 (columns count from 1)", string(f))
		}
		return csvColumn{index: n - 1}, nil
	}
	return csvColumn{name: spec, header: true}, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseFormat checks a format name as a user typed it (case-insensitive
// except for a CSV column name) and returns it. The empty string is
// accepted and means "guess from the file name".
func ParseFormat(s string) (Format, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	name, column, hasColumn := strings.Cut(s, ":")
	f := Format(strings.ToLower(name))
	switch f {
	case "oraclegeneral":
		f = Oracle
	case "lis":
		f = ARC
	case "int32", "cache2k":
		f = BE32
	case "int64", "scarab":
		f = BE64
	case "text", "keys":
		f = Lines
	}
	if hasColumn {
		if f != CSV {
			return "", fmt.Errorf("trace: format %q: only csv takes a column (csv:N or csv:NAME)", s)
		}
		f = CSVColumn(column)
		if _, err := f.csvColumn(); err != nil {
			return "", err
		}
		return f, nil
	}
	for _, known := range formats {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("trace: unknown format %q; want one of %s", s, formatList())
}

func formatList() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// errGuess is wrapped by the error GuessFormat returns.
var errGuess = errors.New("cannot guess the trace format from the file name")

// GuessFormat guesses a file's format from its name, ignoring a ".gz"
// suffix: ".lis" is ARC; "oracleGeneral" anywhere in the name is Oracle;
// a file under a "cache2k" directory or ending in ".be32" or ".i32" is BE32;
// one under "scarab" or ending in ".be64" or ".i64" is BE64; any other
// ".trace" is LIRS; ".csv" is CSV (first column); ".txt", ".keys" and
// ".log" are Lines. Every file in ../shared/traces is guessed right.
func GuessFormat(path string) (Format, error) {
	slash := filepath.ToSlash(path)
	base := strings.ToLower(filepath.Base(slash))
	base = strings.TrimSuffix(base, ".gz")
	dirs := strings.Split(strings.ToLower(filepath.Dir(slash)), "/")
	inDir := func(name string) bool {
		for _, d := range dirs {
			if d == name {
				return true
			}
		}
		return false
	}
	switch {
	case strings.Contains(base, "oraclegeneral"):
		return Oracle, nil
	case strings.HasSuffix(base, ".lis"):
		return ARC, nil
	case strings.HasSuffix(base, ".be32"), strings.HasSuffix(base, ".i32"),
		inDir("cache2k") && strings.HasSuffix(base, ".trace"):
		return BE32, nil
	case strings.HasSuffix(base, ".be64"), strings.HasSuffix(base, ".i64"),
		(inDir("scarab") || strings.HasPrefix(base, "scarab")) && strings.HasSuffix(base, ".trace"):
		return BE64, nil
	case strings.HasSuffix(base, ".trace"):
		return LIRS, nil
	case strings.HasSuffix(base, ".csv"):
		return CSV, nil
	case strings.HasSuffix(base, ".txt"), strings.HasSuffix(base, ".keys"), strings.HasSuffix(base, ".log"):
		return Lines, nil
	}
	return "", fmt.Errorf("trace: %s: %w; give one of %s", path, errGuess, formatList())
}
