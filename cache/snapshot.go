package cache

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"

	"github.com/cespare/xxhash/v2"
)

// ErrBadSnapshot is wrapped by the error [Cache.ReadFrom] returns for input
// that is not a snapshot it can read: a wrong magic number or version, a
// truncated stream, a checksum that does not match, or entries that do not
// decode as K and V.
var ErrBadSnapshot = errors.New("cache: bad snapshot")

// The snapshot format, version 1, all integers big-endian:
//
//	magic    [6]byte "HPSNAP"
//	version  uint16  1
//	length   uint64  the payload's length in bytes
//	payload  [length]byte: an encoding/gob stream of a snapshotHeader and
//	         then Count snapshotEntry values, hottest first
//	checksum uint64  xxhash64 of everything before it
const (
	snapshotMagic   = "HPSNAP"
	snapshotVersion = 1
	snapshotPrefix  = len(snapshotMagic) + 2 + 8
)

type snapshotHeader struct {
	Count int
}

type snapshotEntry[K comparable, V any] struct {
	Key   K
	Value V
	TTL   int64 // nanoseconds left to live when saved; 0: none
}

// WriteTo writes the cache's live entries to w as a snapshot that
// [Cache.ReadFrom] loads back: hottest first (in each shard's policy order,
// where the policy can tell), each with the time it has left to live, with
// a format version and an xxhash64 checksum. Keys and values are encoded
// with encoding/gob, so their types must be gob-encodable (interface types
// registered with gob.Register). It implements [io.WriterTo].
//
// The entries are copied shard by shard, each under its shard's lock, so a
// snapshot taken during writes is weakly consistent as [Cache.Range] is.
// Taking one does not count as use of the entries.
func (c *Cache[K, V]) WriteTo(w io.Writer) (int64, error) {
	entries := c.eng.Snapshot()
	var payload bytes.Buffer
	enc := gob.NewEncoder(&payload)
	if err := enc.Encode(snapshotHeader{Count: len(entries)}); err != nil {
		return 0, fmt.Errorf("cache: snapshot: %w", err)
	}
	for _, e := range entries {
		if err := enc.Encode(snapshotEntry[K, V]{Key: e.Key, Value: e.Value, TTL: e.TTL}); err != nil {
			return 0, fmt.Errorf("cache: snapshot: %w", err)
		}
	}
	buf := make([]byte, 0, snapshotPrefix+payload.Len()+8)
	buf = append(buf, snapshotMagic...)
	buf = binary.BigEndian.AppendUint16(buf, snapshotVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(payload.Len()))
	buf = append(buf, payload.Bytes()...)
	buf = binary.BigEndian.AppendUint64(buf, xxhash.Sum64(buf))
	n, err := w.Write(buf)
	return int64(n), err
}

// ReadFrom loads a snapshot written by [Cache.WriteTo] into the cache, as if
// each entry were stored, coldest first, so that with a snapshot larger than
// the cache the hottest entries are the ones kept. Each entry gets the time
// it had left to live when it was saved, counted from now (entries saved
// without one get the cache's TTL or Expiry's).
//
// The whole snapshot is read and verified before anything is stored: on a
// corrupt or truncated snapshot ReadFrom returns an error wrapping
// [ErrBadSnapshot] (or the reader's error) and the cache is unchanged. It
// reads exactly one snapshot from r and returns the bytes it read. It
// implements [io.ReaderFrom].
func (c *Cache[K, V]) ReadFrom(r io.Reader) (int64, error) {
	entries, n, err := readSnapshot[K, V](r)
	if err != nil {
		return n, err
	}
	expiring := false
	for i := len(entries) - 1; i >= 0; i-- {
		e := &entries[i]
		ttl := e.TTL
		if ttl <= 0 {
			ttl = c.eng.TTLOf(e.Key, e.Value)
		}
		expiring = expiring || ttl > 0
		c.eng.Store(e.Key, e.Value, ttl)
	}
	if expiring {
		startReclaimer(c)
	}
	return n, nil
}

// readSnapshot reads and verifies one snapshot, returning its entries.
func readSnapshot[K comparable, V any](r io.Reader) ([]snapshotEntry[K, V], int64, error) {
	prefix := make([]byte, snapshotPrefix)
	n, err := io.ReadFull(r, prefix)
	read := int64(n)
	if err != nil {
		return nil, read, truncated(err)
	}
	if string(prefix[:len(snapshotMagic)]) != snapshotMagic {
		return nil, read, fmt.Errorf("%w: not a hotpath cache snapshot (magic %q)", ErrBadSnapshot, prefix[:len(snapshotMagic)])
	}
	if v := binary.BigEndian.Uint16(prefix[len(snapshotMagic):]); v != snapshotVersion {
		return nil, read, fmt.Errorf("%w: format version %d, this package reads %d", ErrBadSnapshot, v, snapshotVersion)
	}
	length := binary.BigEndian.Uint64(prefix[len(snapshotMagic)+2:])
	if length > 1<<62 {
		return nil, read, fmt.Errorf("%w: payload length %d", ErrBadSnapshot, length)
	}
	// ReadAll grows the buffer as data arrives, so a corrupt length cannot
	// make it allocate more than the input holds.
	payload, err := io.ReadAll(io.LimitReader(r, int64(length)))
	read += int64(len(payload))
	if err != nil {
		return nil, read, err
	}
	if uint64(len(payload)) != length {
		return nil, read, truncated(io.ErrUnexpectedEOF)
	}
	var sum [8]byte
	n, err = io.ReadFull(r, sum[:])
	read += int64(n)
	if err != nil {
		return nil, read, truncated(err)
	}
	d := xxhash.New()
	d.Write(prefix)
	d.Write(payload)
	if got, want := d.Sum64(), binary.BigEndian.Uint64(sum[:]); got != want {
		return nil, read, fmt.Errorf("%w: checksum %016x, want %016x", ErrBadSnapshot, got, want)
	}
	dec := gob.NewDecoder(bytes.NewReader(payload))
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, read, fmt.Errorf("%w: header: %v", ErrBadSnapshot, err)
	}
	if h.Count < 0 || h.Count > len(payload) {
		return nil, read, fmt.Errorf("%w: %d entries in a %d-byte payload", ErrBadSnapshot, h.Count, len(payload))
	}
	entries := make([]snapshotEntry[K, V], h.Count)
	for i := range entries {
		if err := dec.Decode(&entries[i]); err != nil {
			return nil, read, fmt.Errorf("%w: entry %d of %d: %v", ErrBadSnapshot, i, h.Count, err)
		}
	}
	return entries, read, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated: %v", ErrBadSnapshot, err)
	}
	return err
}
