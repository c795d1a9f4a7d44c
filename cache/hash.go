package cache

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// fixedHash returns the key hash for Options.HashSeed: a function of the
// seed and the key alone, the same in every process. It exists for keys
// whose bits are the key: integers of every size and strings (named types
// included).
func fixedHash[K comparable](seed uint64) (func(K) uint64, error) {
	t := reflect.TypeFor[K]()
	switch t.Kind() {
	case reflect.String:
		return func(k K) uint64 {
			return mix64(xxhash.Sum64String(*(*string)(unsafe.Pointer(&k))) ^ seed)
		}, nil
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		if t.Size() == 8 {
			return func(k K) uint64 { return mix64(*(*uint64)(unsafe.Pointer(&k)) ^ seed) }, nil
		}
		return func(k K) uint64 { return mix64(uint64(*(*uint32)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int32, reflect.Uint32:
		return func(k K) uint64 { return mix64(uint64(*(*uint32)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int16, reflect.Uint16:
		return func(k K) uint64 { return mix64(uint64(*(*uint16)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int8, reflect.Uint8:
		return func(k K) uint64 { return mix64(uint64(*(*uint8)(unsafe.Pointer(&k))) ^ seed) }, nil
	}
	return nil, fmt.Errorf("%w: HashSeed needs integer or string keys, got %v", ErrInvalidOptions, t)
}

// mix64 is the finalizer of MurmurHash3 (fmix64): every input bit affects
// every output bit, so sequential keys spread over shards and sketch blocks.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
