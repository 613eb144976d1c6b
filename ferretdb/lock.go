package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// exitLocked is the exit status when another process holds the data directory.
const exitLocked = 3

var errLocked = errors.New("data directory in use")

// lockFile keeps the locked file open, and so the lock held, until the process exits (an unreferenced *os.File is
// closed by its finalizer).
var lockFile *os.File

// lockDataDir takes an exclusive lock (flock) on the data directory's lock file, waiting up to wait for another
// process to release it (a service that just stopped). The kernel releases it when this process exits, however it
// exits, so it is never stale. The file holds the holder's pid, for the message others get.
func lockDataDir(file string, wait time.Duration) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}

	deadline := time.Now().Add(wait)

	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}

		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", file, err)
		}

		if time.Now().After(deadline) {
			b, _ := os.ReadFile(file)
			holder := strings.TrimSpace(string(b))

			return fmt.Errorf("%w: another process (pid %s) uses the database in %s", errLocked, holder, dirOf(file))
		}

		time.Sleep(100 * time.Millisecond)
	}

	lockFile = f
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getppid())+"\n"), 0)

	return nil
}

func dirOf(file string) string {
	if i := strings.LastIndexByte(file, '/'); i > 0 {
		return file[:i]
	}

	return file
}
