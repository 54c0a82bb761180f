package study

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sbinet/npyio"
)

// FuzzParseInputs: no --inputs value makes ParseInputs panic; what it
// accepts is one finite number per comma-separated field, and the numbers
// written back in full precision parse to the same values.
func FuzzParseInputs(f *testing.F) {
	for _, s := range []string{"0,0,0", " 1, -2.5 ,3e-3", "", "0,a,0", "nan", "1,inf", "1e400", ",", "0x1p-2", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseInputs(s)
		if err != nil {
			return
		}
		if strings.TrimSpace(s) == "" {
			if v != nil {
				t.Fatalf("empty --inputs gave %v", v)
			}
			return
		}
		if len(v) != strings.Count(s, ",")+1 {
			t.Fatalf("%q gave %d values", s, len(v))
		}
		parts := make([]string, len(v))
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("%q accepted the non-finite value %v", s, x)
			}
			parts[i] = strconv.FormatFloat(x, 'g', -1, 64)
		}
		back, err := ParseInputs(strings.Join(parts, ","))
		if err != nil {
			t.Fatal(err)
		}
		for i := range v {
			if back[i] != v[i] {
				t.Fatalf("%q: value %d reads back as %v, not %v", s, i, back[i], v[i])
			}
		}
	})
}

// FuzzNPZRoundTrip: what the .npz writer writes, an independent reader
// (npyio for the numbers, a plain parse of the numpy header for the
// strings) reads back exactly: float32 bits (NaN included), int64s and
// unicode strings.
func FuzzNPZRoundTrip(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 192, 127, 1, 2, 3, 4}, uint8(1), "Input 0,Input 1,µ")
	f.Add([]byte{}, uint8(0), "")
	f.Add(bytes.Repeat([]byte{7}, 64), uint8(4), "a,,b")
	f.Fuzz(func(t *testing.T, data []byte, rows uint8, names string) {
		floats := make([]float32, len(data)/4)
		for i := range floats {
			floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		r := max(int(rows), 1)
		shape := []int{r, len(floats) / r}
		floats = floats[:shape[0]*shape[1]]
		ints := make([]int64, len(data)/8)
		for i := range ints {
			ints[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		labels := strings.Split(names, ",")

		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w := &npzWriter{z: z}
		w.floats("x", shape, func(emit func([]float32)) {
			for len(floats) > 0 { // in uneven pieces, as the export emits trials
				n := min(len(floats), 1+len(floats)/3)
				emit(floats[:n])
				floats = floats[n:]
			}
		})
		floats = floats[:0]
		for i := 0; i < len(data)/4; i++ {
			floats = append(floats, math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
		}
		floats = floats[:shape[0]*shape[1]]
		w.ints("n", ints)
		w.strings("s", labels)
		if w.err != nil {
			t.Fatal(w.err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}

		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range zr.File {
			rc, err := m.Open()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(rc)
			switch m.Name {
			case "x.npy":
				rd, err := npyio.NewReader(bufio.NewReader(bytes.NewReader(raw)))
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(rd.Header.Descr.Shape) != fmt.Sprint(shape) {
					t.Fatalf("shape %v, wrote %v", rd.Header.Descr.Shape, shape)
				}
				var got []float32
				if err := rd.Read(&got); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(floats) {
					t.Fatalf("%d floats back, wrote %d", len(got), len(floats))
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(floats[i]) {
						t.Fatalf("float %d reads back as %v, wrote %v", i, got[i], floats[i])
					}
				}
			case "n.npy":
				rd, err := npyio.NewReader(bufio.NewReader(bytes.NewReader(raw)))
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				if err := rd.Read(&got); err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(ints) {
					t.Fatalf("ints %v, wrote %v", got, ints)
				}
			case "s.npy":
				got := readUnicodeNpy(t, raw)
				if len(got) != len(labels) {
					t.Fatalf("%d strings back, wrote %d", len(got), len(labels))
				}
				for i := range got {
					// numpy drops trailing NULs of a unicode string, and a
					// Go string's invalid UTF-8 is written as U+FFFD.
					want := strings.TrimRight(string([]rune(labels[i])), "\x00")
					if got[i] != want {
						t.Fatalf("string %d reads back as %q, wrote %q", i, got[i], labels[i])
					}
				}
			default:
				t.Fatalf("unexpected member %s", m.Name)
			}
		}
	})
}

// readUnicodeNpy parses a 1-D '<U' .npy array the way numpy does: the header
// dict, then UTF-32LE code points, trailing NULs dropped.
func readUnicodeNpy(t *testing.T, raw []byte) []string {
	t.Helper()
	if len(raw) < 10 || string(raw[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("not a .npy 1.0 file")
	}
	hl := int(binary.LittleEndian.Uint16(raw[8:]))
	if (10+hl)%64 != 0 || len(raw) < 10+hl {
		t.Fatalf("header length %d not aligned to 64", hl)
	}
	hdr := string(raw[10 : 10+hl])
	var n, count int
	if _, err := fmt.Sscanf(hdr, "{'descr': '<U%d', 'fortran_order': False, 'shape': (%d,), }", &n, &count); err != nil {
		t.Fatalf("header %q: %v", hdr, err)
	}
	body := raw[10+hl:]
	if len(body) != 4*n*count {
		t.Fatalf("%d data bytes for %d strings of %d", len(body), count, n)
	}
	out := make([]string, count)
	for i := range out {
		var rs []rune
		for j := 0; j < n; j++ {
			rs = append(rs, rune(binary.LittleEndian.Uint32(body[4*(i*n+j):])))
		}
		out[i] = strings.TrimRight(string(rs), "\x00")
	}
	return out
}
