//go:build !linux

package deadlock_test

// threadCPU is not measured on this system.
func threadCPU() int64 { return -1 }
