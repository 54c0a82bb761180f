package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LockFile is the lock file inside a run directory. Whoever trains a run holds
// an exclusive flock(2) on it for the whole session; the kernel drops the lock
// when the process exits for any reason (Ctrl-C, kill -9, a crash, a power
// cut's reboot), so a lock is never left behind by a dead trainer and no
// timeout is needed. The file is never deleted (deleting a flock'ed file lets
// two processes lock two different files); its contents say who holds it.
const LockFile = "train.lock"

// ErrLocked is wrapped by AcquireLock's error when the run is held by another
// trainer (another process, or another session of this one).
var ErrLocked = errors.New("the run is being trained")

// Holder is who holds (or last held) a run's lock: what the lock file records.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process"
	}
	if host, _ := os.Hostname(); h.PID == os.Getpid() && h.Host == host {
		return fmt.Sprintf("another session of this process (pid %d)", h.PID)
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	return s
}

// LockedError is AcquireLock's error for a held run. It wraps ErrLocked.
type LockedError struct {
	Dir    string
	Holder Holder // zero when the lock file could not be read
}

func (e *LockedError) Error() string {
	since := ""
	if !e.Holder.Since.IsZero() {
		since = " since " + e.Holder.Since.Local().Format("2006-01-02 15:04:05")
	}
	return fmt.Sprintf("%s is being trained by %s%s: wait for it to finish, or stop it there (Ctrl-C, or kill %s) and resume",
		e.Dir, e.Holder, since, pidOrHolder(e.Holder))
}

func pidOrHolder(h Holder) string {
	if h.PID == 0 {
		return "its process"
	}
	return fmt.Sprint(h.PID)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is an exclusive hold on a run directory, taken by AcquireLock. Every
// trainer (ctdtui train, the TUI's Train tab, a sweep executor) holds it while
// it writes the run's files, so that two trainers never train one run at once.
type Lock struct {
	dir       string
	f         *os.File
	exclusive bool
	once      sync.Once
	err       error
}

// lockRetry is how long AcquireLock keeps trying when the lock is busy: Held
// takes the lock for a moment to probe it, which must not make a trainer fail.
const lockRetry = 100 * time.Millisecond

// AcquireLock takes the run directory's lock without waiting (beyond a brief
// retry), recording this process's pid and host in the lock file. It returns
// an error wrapping ErrLocked (a *LockedError naming the holder) when another
// trainer holds it. The lock is per open file, so two AcquireLock calls in the
// same process on one directory also exclude each other. Release it when
// training ends; if the process dies first, the kernel releases it.
//
// On a file system without flock support (some network file systems) the lock
// is taken without exclusion and Exclusive reports false.
func AcquireLock(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	deadline := time.Now().Add(lockRetry)
	for {
		err = flockExclusive(f)
		if err == nil || !errors.Is(err, errWouldBlock) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	switch {
	case errors.Is(err, errWouldBlock):
		h, _ := readHolder(f)
		f.Close()
		return nil, &LockedError{Dir: dir, Holder: h}
	case errors.Is(err, errNoLocks):
		l := &Lock{dir: dir, f: f}
		return l, writeHolder(f)
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	l := &Lock{dir: dir, f: f, exclusive: true}
	if err := writeHolder(f); err != nil {
		l.Release()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return l, nil
}

// Dir is the locked run directory.
func (l *Lock) Dir() string { return l.dir }

// Exclusive reports whether the lock excludes other trainers (false on a file
// system without flock support).
func (l *Lock) Exclusive() bool { return l != nil && l.exclusive }

// Release drops the lock. It is safe to call more than once and on nil.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	l.once.Do(func() {
		// Closing the file drops the flock; the holder line stays as a record
		// of the last trainer.
		l.err = l.f.Close()
	})
	return l.err
}

// Held reports whether some trainer holds dir's lock now, and who (as the lock
// file says). A directory without a lock file is not held. It never creates
// the lock file, so it is safe on read-only directories.
func Held(dir string) (held bool, h Holder, err error) {
	f, err := os.Open(filepath.Join(dir, LockFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, Holder{}, nil
	}
	if err != nil {
		return false, Holder{}, err
	}
	defer f.Close()
	held, err = flockProbe(f)
	if err != nil {
		return false, Holder{}, err
	}
	if held {
		h, _ = readHolder(f)
	}
	return held, h, nil
}

// thisHolder describes this process.
func thisHolder() Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)}
}

func writeHolder(f *os.File) error {
	data, err := json.Marshal(thisHolder())
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(append(data, '\n'), 0)
	return err
}

// readHolder reads the lock file's record (at most 4 KiB: it is one line).
func readHolder(f *os.File) (Holder, error) {
	buf := make([]byte, 4096)
	n, err := f.ReadAt(buf, 0)
	if n == 0 {
		return Holder{}, err
	}
	var h Holder
	err = json.Unmarshal([]byte(strings.TrimSpace(string(buf[:n]))), &h)
	return h, err
}
