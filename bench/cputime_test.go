//go:build unix

package bench

import (
	"syscall"
	"testing"
	"time"
)

// The machine the benchmarks run on is shared, so beside wall-clock figures
// they report CPU-time ones (cpu-ns/op, cpuMB/s, cpuGFLOPS), which time
// slicing by other processes does not dilute.

// processCPU returns the user+system CPU time the process has used so far
// (0 if the system cannot tell). It counts every thread, so it also charges
// a peer for the threads it starts; run with -cpu 1 to read it as one
// core's time.
func processCPU() time.Duration {
	return rusage(syscall.RUSAGE_SELF)
}

// threadCPU returns the user+system CPU time of the calling OS thread
// (RUSAGE_THREAD, Linux; 0 elsewhere). Lock the goroutine to its thread
// (runtime.LockOSThread) around the measured loop.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	return rusage(rusageThread)
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMBLoop runs f in b.Loop and reports cpuMB/s: bytes per op over the
// process CPU time the loop took (nothing if that is zero).
func cpuMBLoop(b *testing.B, bytes int64, f func()) {
	c0 := processCPU()
	for b.Loop() {
		f()
	}
	if cpu := processCPU() - c0; cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu.Seconds()/1e6, "cpuMB/s")
	}
}
