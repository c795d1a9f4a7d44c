package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProgress_DrawsOneLineInPlaceAndClearsIt(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, start: time.Now()}
	p.begin("zipf", 3)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); p.step() }()
	}
	wg.Wait()
	p.finish()
	out := b.String()
	if !strings.HasPrefix(out, "\r\x1b[Khotpath: zipf: 0/3, ") || !strings.Contains(out, "hotpath: zipf: 3/3, ") {
		t.Errorf("progress drew %q", out)
	}
	if !strings.HasSuffix(out, "\r\x1b[K") || strings.Contains(out, "\n") {
		t.Errorf("progress did not end by clearing its line: %q", out)
	}
	p.finish() // nothing left to clear
	if b.String() != out {
		t.Errorf("a second finish drew %q", b.String()[len(out):])
	}
}

func TestProgress_IsSilentUnlessItsWriterIsATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	for _, w := range []interface{ Write([]byte) (int, error) }{&b, f} {
		if isTerminal(w) {
			t.Errorf("%T is a terminal", w)
		}
		p := newProgress(w)
		p.begin("x", 1)
		p.step()
		p.finish()
	}
	if st, _ := f.Stat(); b.Len() != 0 || st.Size() != 0 {
		t.Errorf("progress wrote to a non-terminal")
	}
}
