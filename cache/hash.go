package cache

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/cespare/xxhash/v2"

	"github.com/hotpath/hotpath/cache/internal/sketch"
)

// fixedHash returns the key hash for Options.HashSeed: a function of the
// seed and the key alone, the same in every process. It exists for keys
// whose bits are the key: integers of every size and strings (named types
// included). The result goes through sketch.Mix (fmix64), so sequential keys
// spread over shards and sketch blocks.
func fixedHash[K comparable](seed uint64) (func(K) uint64, error) {
	t := reflect.TypeFor[K]()
	switch t.Kind() {
	case reflect.String:
		return func(k K) uint64 {
			return sketch.Mix(xxhash.Sum64String(*(*string)(unsafe.Pointer(&k))) ^ seed)
		}, nil
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		if t.Size() == 8 {
			return func(k K) uint64 { return sketch.Mix(*(*uint64)(unsafe.Pointer(&k)) ^ seed) }, nil
		}
		return func(k K) uint64 { return sketch.Mix(uint64(*(*uint32)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int32, reflect.Uint32:
		return func(k K) uint64 { return sketch.Mix(uint64(*(*uint32)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int16, reflect.Uint16:
		return func(k K) uint64 { return sketch.Mix(uint64(*(*uint16)(unsafe.Pointer(&k))) ^ seed) }, nil
	case reflect.Int8, reflect.Uint8:
		return func(k K) uint64 { return sketch.Mix(uint64(*(*uint8)(unsafe.Pointer(&k))) ^ seed) }, nil
	}
	return nil, fmt.Errorf("%w: HashSeed needs integer or string keys, got %v", ErrInvalidOptions, t)
}
