package nets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func testCheckpoint(t testing.TB, kind string, adam bool) []byte {
	t.Helper()
	m, err := New[float32](Config{Kind: kind, Inputs: 2, Latent: 3, Outputs: 2, Gamma: 0.5, Layers: 2, LayerHidden: 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var opt *Adam[float32]
	if adam {
		opt = NewAdam[float32](m.Params().Len(), 1e-3, 0)
		opt.Step = 7
		for i := range opt.M {
			opt.M[i], opt.V[i] = float32(i), float32(2*i)
		}
	}
	var buf bytes.Buffer
	if _, err := NewCheckpoint(m, opt, 5).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withCRC replaces the last four bytes by the checksum of the rest, so that
// the fuzzer reaches the parser behind the checksum.
func withCRC(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	b = slices.Clone(b)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
	return b
}

func TestCheckpointRoundTripAndDamage(t *testing.T) {
	data := testCheckpoint(t, KindGRU, true)
	c, err := ReadCheckpoint(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.Epoch != 5 || c.Header.AdamStep != 7 || len(c.M) != len(c.Params) {
		t.Fatalf("header %+v", c.Header)
	}
	size, _, err := CheckpointFileSize(bytes.NewReader(data))
	if err != nil || size != int64(len(data)) {
		t.Fatalf("CheckpointFileSize %d, %v; file %d", size, err, len(data))
	}
	if _, err := c.Restore(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 5, 12, 40, len(data) / 2, len(data) - 1} {
		if _, err := ReadCheckpoint(bytes.NewReader(data[:n])); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
		if s, _, err := CheckpointFileSize(bytes.NewReader(data[:n])); err == nil && s == int64(n) {
			t.Errorf("truncated to %d bytes: CheckpointFileSize says whole", n)
		}
	}
	// A header whose shapes ask for an absurd tensor is refused before any
	// allocation, even with a valid checksum.
	encode := func(c *Checkpoint) []byte {
		var buf bytes.Buffer
		c.WriteTo(&buf)
		return buf.Bytes()
	}
	edited := *c
	edited.Header.Tensors = slices.Clone(c.Header.Tensors)
	edited.Header.Tensors[0].Shape = []int{300000000000, 3}
	if _, err := ReadCheckpoint(bytes.NewReader(encode(&edited))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("huge shape: %v", err)
	}
	edited = *c
	edited.Header.Model.Latent = 3000000
	if c, err := ReadCheckpoint(bytes.NewReader(encode(&edited))); err != nil {
		t.Fatalf("header edit: %v", err)
	} else if _, err := c.Restore(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("model far larger than the file restored: %v", err)
	}
}

// FuzzReadCheckpoint: no input makes the reader panic or allocate more than
// its input; what it accepts re-encodes to an equal checkpoint, restores
// without panicking, and has the size CheckpointFileSize predicts.
func FuzzReadCheckpoint(f *testing.F) {
	for _, kind := range Kinds {
		f.Add(testCheckpoint(f, kind, true), false)
		f.Add(testCheckpoint(f, kind, false), true)
	}
	good := testCheckpoint(f, KindGRU, true)
	f.Add(good[:len(good)/2], true)
	f.Add([]byte(checkpointMagic), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC {
			data = withCRC(data)
		}
		c, err := ReadCheckpoint(bytes.NewReader(data))
		size, _, serr := CheckpointFileSize(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not wrapping ErrCorrupt: %v", err)
			}
			return
		}
		if serr != nil || size != int64(len(data)) {
			t.Fatalf("accepted checkpoint of %d bytes: CheckpointFileSize %d, %v", len(data), size, serr)
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCheckpoint(&buf)
		if err != nil {
			t.Fatalf("re-encoded checkpoint refused: %v", err)
		}
		if !sameBits(back.Params, c.Params) || !sameBits(back.M, c.M) || !sameBits(back.V, c.V) || back.Header.Epoch != c.Header.Epoch {
			t.Fatal("re-encoded checkpoint differs")
		}
		if m, err := c.Restore(); err == nil && m.Params().Len() != len(c.Params) {
			t.Fatalf("restored %d parameters from %d", m.Params().Len(), len(c.Params))
		}
	})
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
