package main

import (
	"os"
	"runtime/pprof"
)

// exitHooks run before the program exits with an error status (deferred calls in main do not run on os.Exit).
var exitHooks []func()

func exit(code int) {
	for _, h := range exitHooks {
		h()
	}

	os.Exit(code)
}

// startCPUProfile writes a CPU profile to file until the returned function is called (or the program exits).
func startCPUProfile(file string) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}

	if err = pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}

	stop := func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
	exitHooks = append(exitHooks, stop)

	return stop, nil
}
