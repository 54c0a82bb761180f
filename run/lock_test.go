package run

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLockExcludesAndReleases: one holder at a time, also within a process;
// Release frees it, and Held says who holds it.
func TestLockExcludesAndReleases(t *testing.T) {
	dir := t.TempDir()
	if held, _, err := Held(dir); held || err != nil {
		t.Fatalf("fresh directory: held %v, %v", held, err)
	}
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Exclusive() {
		t.Skip("no flock support on this file system")
	}
	held, h, err := Held(dir)
	if !held || err != nil || h.PID != os.Getpid() {
		t.Fatalf("held %v, holder %+v, %v; want this process", held, h, err)
	}
	_, err = AcquireLock(dir)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Fatalf("second lock: %v", err)
	}
	if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "pid ") {
		t.Errorf("message lacks the run or the holder: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l.Release() // twice is fine
	if held, _, _ := Held(dir); held {
		t.Fatal("held after Release")
	}
	l2, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
}

// TestHelperHoldLock is the child process of TestLockDiesWithProcess.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("CTDTUI_LOCK_DIR")
	if dir == "" {
		t.Skip("helper process")
	}
	if _, err := AcquireLock(dir); err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(3)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestLockDiesWithProcess: a lock held by another process refuses us, and
// is free the moment that process is killed (SIGKILL: no clean-up runs).
func TestLockDiesWithProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "CTDTUI_LOCK_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	held, h, err := Held(dir)
	if !held || err != nil || h.PID != cmd.Process.Pid {
		t.Fatalf("held %v by %+v (%v), want pid %d", held, h, err, cmd.Process.Pid)
	}
	if _, err := AcquireLock(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by another process: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}
