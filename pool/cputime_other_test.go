//go:build !linux

package pool

func threadCPU() (int64, bool) { return 0, false }
