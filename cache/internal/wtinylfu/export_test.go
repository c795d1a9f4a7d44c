package wtinylfu

import "github.com/hotpath/hotpath/cache/internal/list"

type listOf[K comparable, V any] = list.List[K, V]
