package trace_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/hotpath/hotpath/internal/trace"
)

// An ARC record "start count ignore request_no" expands into count
// consecutive keys.
func ExampleNewReader() {
	in := strings.NewReader("100 3 0 0\n7 1 0 1\n")
	r, err := trace.NewReader(in, "example.lis", trace.ARC)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for {
		req, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(req.Key, " ")
	}
	fmt.Println()
	// Output: 100 101 102 7
}

// Malformed input is never skipped: the error names the file, the line and
// the problem.
func ExampleParseError() {
	r, _ := trace.NewReader(strings.NewReader("1 1 0 0\n2 x 0 0\n"), "OLTP.lis", trace.ARC)
	defer r.Close()
	_, err := r.AppendKeys(nil)
	fmt.Println(err)
	// Output: trace: OLTP.lis:2: field 2 "x": not a number
}

// A CSV column is chosen by header name or by 1-based index; numeric
// fields are keys as they are, other text is hashed.
func ExampleCSVColumn() {
	in := strings.NewReader("ts,user\n1,42\n2,42\n3,7\n")
	r, _ := trace.NewReader(in, "log.csv", trace.CSVColumn("user"))
	defer r.Close()
	keys, err := r.AppendKeys(nil)
	fmt.Println(keys, err)
	// Output: [42 42 7] <nil>
}

func ExampleParseFormat() {
	for _, s := range []string{"arc", "oracleGeneral", "csv:user_id", "zip"} {
		f, err := trace.ParseFormat(s)
		fmt.Printf("%q %v\n", f, err)
	}
	// Output:
	// "arc" <nil>
	// "oracle" <nil>
	// "csv:user_id" <nil>
	// "" trace: unknown format "zip"; want one of arc, lirs, be32, be64, oracle, lines, csv
}
