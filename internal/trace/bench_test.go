package trace

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// benchInput returns n requests of zipf-distributed keys in format f.
func benchInput(f Format, n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(rng, 1.1, 1, 1<<20)
	var b []byte
	for range n {
		k := z.Uint64()
		switch f {
		case ARC:
			b = strconv.AppendUint(b, k, 10)
			b = append(b, " 1 0 0\n"...)
		case LIRS:
			b = strconv.AppendUint(b, k, 10)
			b = append(b, '\n')
		case Lines:
			b = append(b, "user:"...)
			b = strconv.AppendUint(b, k, 10)
			b = append(b, '\n')
		case CSV:
			b = strconv.AppendUint(b, k, 10)
			b = append(b, ",GET,200\n"...)
		case BE32:
			b = binary.BigEndian.AppendUint32(b, uint32(k))
		case BE64:
			b = binary.BigEndian.AppendUint64(b, k)
		case Oracle:
			b = binary.LittleEndian.AppendUint32(b, 0)
			b = binary.LittleEndian.AppendUint64(b, k)
			b = binary.LittleEndian.AppendUint32(b, 4096)
			b = binary.LittleEndian.AppendUint64(b, ^uint64(0))
		}
	}
	return b
}

// BenchmarkReader measures streaming throughput per format, plain and
// gzipped, in requests per second and input MB/s.
func BenchmarkReader(b *testing.B) {
	const n = 100_000
	for _, f := range formats {
		plain := benchInput(f, n)
		for _, c := range []struct {
			name string
			data []byte
		}{{"plain", plain}, {"gzip", gz(b, plain)}} {
			b.Run("format="+string(f)+"/input="+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(plain)))
				runtime.GC()
				b.ResetTimer()
				var requests int64
				for b.Loop() {
					r, err := NewReader(bytes.NewReader(c.data), "bench", f)
					if err != nil {
						b.Fatal(err)
					}
					for {
						_, err := r.Next()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						requests++
					}
					r.Close()
				}
				b.ReportMetric(float64(requests)/b.Elapsed().Seconds(), "requests/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(requests), "ns/request")
			})
		}
	}
}
