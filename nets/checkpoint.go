package nets

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
)

// Checkpoint file layout (little endian):
//
//	"CTDCKPT1"             8-byte magic and format version
//	uint32 n               length of the JSON header
//	header (n bytes)       CheckpointHeader
//	float32 × total        parameters, then Adam's M and V when present
//	uint32 crc             CRC-32 (IEEE) of everything before it
//
// The header names every tensor with its shape so that a file written for
// another model is refused with a precise message instead of loading garbage.
const checkpointMagic = "CTDCKPT1"

// CheckpointHeader describes a checkpoint's contents.
type CheckpointHeader struct {
	Model   Config      `json:"model"`
	Tensors []ParamView `json:"tensors"`
	Epoch   int         `json:"epoch"`
	// AdamStep is the optimiser's step count; HasAdam says whether M and V follow.
	HasAdam  bool `json:"has_adam"`
	AdamStep int  `json:"adam_step"`
}

// Checkpoint is a model's parameters with, optionally, the optimiser state.
type Checkpoint struct {
	Header CheckpointHeader
	Params []float32
	M, V   []float32
}

// NewCheckpoint captures a model (and optimiser, if non-nil) after epoch epochs.
func NewCheckpoint(m Model[float32], opt *Adam[float32], epoch int) *Checkpoint {
	p := m.Params()
	c := &Checkpoint{Header: CheckpointHeader{Model: m.Config(), Tensors: p.Views, Epoch: epoch},
		Params: slices.Clone(p.Data)}
	if opt != nil {
		c.Header.HasAdam, c.Header.AdamStep = true, opt.Step
		c.M, c.V = slices.Clone(opt.M), slices.Clone(opt.V)
	}
	return c
}

// WriteTo encodes the checkpoint.
func (c *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	hdr, err := json.Marshal(c.Header)
	if err != nil {
		return 0, err
	}
	binary.Write(&buf, binary.LittleEndian, uint32(len(hdr)))
	buf.Write(hdr)
	for _, part := range [][]float32{c.Params, c.M, c.V} {
		b := make([]byte, 4*len(part))
		for i, v := range part {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		buf.Write(b)
	}
	binary.Write(&buf, binary.LittleEndian, crc32.ChecksumIEEE(buf.Bytes()))
	return buf.WriteTo(w)
}

// ErrCorrupt is wrapped by every decoding failure.
var ErrCorrupt = errors.New("corrupt checkpoint")

// ReadCheckpoint decodes a checkpoint, verifying its checksum and that its
// header and data agree.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) < len(checkpointMagic)+8 || string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("%w: not a ctdtui checkpoint (bad magic or too short)", ErrCorrupt)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (truncated or damaged file)", ErrCorrupt)
	}
	rest := body[len(checkpointMagic):]
	n := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if n > len(rest) {
		return nil, fmt.Errorf("%w: header length %d exceeds the file", ErrCorrupt, n)
	}
	c := &Checkpoint{}
	if err := json.Unmarshal(rest[:n], &c.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	rest = rest[n:]
	total := 0
	for _, v := range c.Header.Tensors {
		if v.Off != total {
			return nil, fmt.Errorf("%w: tensor %s at offset %d, expected %d", ErrCorrupt, v.Name, v.Off, total)
		}
		total += v.Len()
	}
	parts := 1
	if c.Header.HasAdam {
		parts = 3
	}
	if len(rest) != 4*total*parts {
		return nil, fmt.Errorf("%w: %d data bytes, header describes %d", ErrCorrupt, len(rest), 4*total*parts)
	}
	read := func() []float32 {
		out := make([]float32, total)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
		}
		rest = rest[4*total:]
		return out
	}
	c.Params = read()
	if c.Header.HasAdam {
		c.M, c.V = read(), read()
	}
	return c, nil
}

// Restore builds the model described by the checkpoint and loads its parameters.
func (c *Checkpoint) Restore() (Model[float32], error) {
	m, err := New[float32](c.Header.Model, nil)
	if err != nil {
		return nil, fmt.Errorf("checkpoint model: %w", err)
	}
	if err := c.LoadInto(m, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadInto copies the parameters (and optimiser state, when opt is non-nil) into
// an existing model, refusing a checkpoint of a different architecture.
func (c *Checkpoint) LoadInto(m Model[float32], opt *Adam[float32]) error {
	p := m.Params()
	if c.Header.Model != m.Config() {
		return fmt.Errorf("checkpoint is for model %+v, not %+v", c.Header.Model, m.Config())
	}
	if len(c.Header.Tensors) != len(p.Views) {
		return fmt.Errorf("checkpoint has %d tensors, the model %d", len(c.Header.Tensors), len(p.Views))
	}
	for i, v := range p.Views {
		h := c.Header.Tensors[i]
		if h.Name != v.Name || !slices.Equal(h.Shape, v.Shape) {
			return fmt.Errorf("checkpoint tensor %d is %s%v, the model's is %s%v", i, h.Name, h.Shape, v.Name, v.Shape)
		}
	}
	copy(p.Data, c.Params)
	if opt != nil {
		if !c.Header.HasAdam {
			return errors.New("checkpoint holds no optimiser state")
		}
		copy(opt.M, c.M)
		copy(opt.V, c.V)
		opt.Step = c.Header.AdamStep
	}
	return nil
}
