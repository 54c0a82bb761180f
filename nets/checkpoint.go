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

// maxHeaderLen bounds the JSON header (a few hundred bytes per tensor), so
// that a damaged length field cannot ask for a huge allocation.
const maxHeaderLen = 1 << 20

// ReadCheckpoint decodes a checkpoint, verifying its checksum and that its
// header and data agree. It reads the whole input (a checkpoint is as large as
// its file) but allocates nothing beyond it, whatever the file says.
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
	c := &Checkpoint{}
	rest, err := decodeHeader(body[len(checkpointMagic):], &c.Header)
	if err != nil {
		return nil, err
	}
	total, parts, err := c.Header.dataLen(len(rest) / 4)
	if err != nil {
		return nil, err
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

// decodeHeader reads the header length and the JSON header from b (what
// follows the magic) and returns the bytes after it.
func decodeHeader(b []byte, h *CheckpointHeader) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: too short for a header", ErrCorrupt)
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	b = b[4:]
	if n > uint64(len(b)) || n > maxHeaderLen {
		return nil, fmt.Errorf("%w: header length %d exceeds the file", ErrCorrupt, n)
	}
	if err := json.Unmarshal(b[:n], h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if h.Epoch < 0 || h.AdamStep < 0 {
		return nil, fmt.Errorf("%w: header: epoch %d, Adam step %d", ErrCorrupt, h.Epoch, h.AdamStep)
	}
	return b[n:], nil
}

// dataLen checks the header's tensors (contiguous, positive shapes) and
// returns the number of parameters and the number of parameter-sized parts
// (1, or 3 with Adam's M and V). limit bounds the parameters: a header that
// describes more than the file can hold is corrupt, and is refused before
// any product of its dimensions can overflow.
func (h *CheckpointHeader) dataLen(limit int) (total, parts int, err error) {
	for _, v := range h.Tensors {
		if v.Off != total {
			return 0, 0, fmt.Errorf("%w: tensor %s at offset %d, expected %d", ErrCorrupt, v.Name, v.Off, total)
		}
		n := 1
		for _, d := range v.Shape {
			if d < 1 || n > limit/d {
				return 0, 0, fmt.Errorf("%w: tensor %s has shape %v (the file holds at most %d values)", ErrCorrupt, v.Name, v.Shape, limit)
			}
			n *= d
		}
		if n > limit-total {
			return 0, 0, fmt.Errorf("%w: the tensors need more values than the file holds (%d)", ErrCorrupt, limit)
		}
		total += n
	}
	parts = 1
	if h.HasAdam {
		parts = 3
	}
	return total, parts, nil
}

// CheckpointFileSize reads a checkpoint's header from r and returns the size
// its file must have. It reads only the header (not the parameters), so a
// listing can tell a truncated or padded checkpoint from a whole one cheaply;
// ReadCheckpoint's checksum still catches damage inside the file.
func CheckpointFileSize(r io.Reader) (int64, *CheckpointHeader, error) {
	head := make([]byte, len(checkpointMagic)+4)
	if _, err := io.ReadFull(r, head); err != nil {
		return 0, nil, fmt.Errorf("%w: not a ctdtui checkpoint (too short)", ErrCorrupt)
	}
	if string(head[:len(checkpointMagic)]) != checkpointMagic {
		return 0, nil, fmt.Errorf("%w: not a ctdtui checkpoint (bad magic)", ErrCorrupt)
	}
	n := binary.LittleEndian.Uint32(head[len(checkpointMagic):])
	if n > maxHeaderLen {
		return 0, nil, fmt.Errorf("%w: header length %d", ErrCorrupt, n)
	}
	buf := make([]byte, 4+int(n))
	copy(buf, head[len(checkpointMagic):])
	if _, err := io.ReadFull(r, buf[4:]); err != nil {
		return 0, nil, fmt.Errorf("%w: truncated in its header", ErrCorrupt)
	}
	h := &CheckpointHeader{}
	if _, err := decodeHeader(buf, h); err != nil {
		return 0, nil, err
	}
	total, parts, err := h.dataLen(math.MaxInt32)
	if err != nil {
		return 0, nil, err
	}
	return int64(len(checkpointMagic)) + 4 + int64(n) + 4*int64(total)*int64(parts) + 4, h, nil
}

// Restore builds the model described by the checkpoint and loads its parameters.
func (c *Checkpoint) Restore() (Model[float32], error) {
	// A damaged header could describe a model far larger than the file's
	// parameters: refuse it before allocating one.
	if b := roughParamBound(c.Header.Model); b > 64*int64(len(c.Params))+1<<20 {
		return nil, fmt.Errorf("%w: the header describes a model of up to %d parameters, the file holds %d", ErrCorrupt, b, len(c.Params))
	}
	m, err := New[float32](c.Header.Model, nil)
	if err != nil {
		return nil, fmt.Errorf("checkpoint model: %w", err)
	}
	if err := c.LoadInto(m, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// roughParamBound is an upper bound on the parameters of any model kind with
// c's sizes (every model's largest weight is a product of two of them, times
// its gates and layers), saturating instead of overflowing.
func roughParamBound(c Config) int64 {
	const ceiling = 1 << 40
	s := int64(0)
	for _, d := range []int{c.Inputs, c.Latent, c.Outputs, c.LayerHidden} {
		s += min(max(int64(d), 0), ceiling) // negative sizes are refused by Validate
	}
	s += 2
	layers := min(max(int64(c.Layers), 0), 1<<10) + 2
	if s > 1<<20 {
		return ceiling
	}
	return min(4*s*s*layers, ceiling)
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
