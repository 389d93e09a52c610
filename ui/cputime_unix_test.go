//go:build unix

package ui

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report it beside the wall
// time: on a shared, busy machine the wall time says more about the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
