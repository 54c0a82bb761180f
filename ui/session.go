package ui

import "github.com/ctdtui/ctdtui/study"

// session is a run opened for analysis: study's cached per-run session, so
// that the numbers on screen are the ones `ctdtui analyze`, `fixedpoints`
// and `compare` print.
type session = study.Session

func openSession(dir string) (*session, error) { return study.Open(dir, false) }
