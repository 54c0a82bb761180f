package study

import (
	"encoding/json"
	"io"
	"math"
	"reflect"
	"strings"
)

// WriteJSON writes v (a report) as indented JSON. Non-finite numbers, which
// JSON cannot represent (an R² of a constant channel, q of a diverged row),
// are written as null.
func WriteJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(finiteTree(reflect.ValueOf(v)), "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// finiteTree converts v into maps, slices and scalars that encoding/json
// writes exactly as it would write v, except that NaN and ±Inf become nil.
// It follows the json tags (name, omitempty, "-") of exported fields.
func finiteTree(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return finiteTree(v.Elem())
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		if v.Kind() == reflect.Float32 {
			return float32(f)
		}
		return f
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		fallthrough
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface() // []byte: base64, as json does
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = finiteTree(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[keyString(it.Key())] = finiteTree(it.Value())
		}
		return out
	case reflect.Struct:
		if _, ok := v.Interface().(json.Marshaler); ok {
			return v.Interface()
		}
		out := orderedObject{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			fv := v.Field(i)
			if f.Anonymous && name == "" {
				// An embedded struct's fields are the outer object's, as
				// encoding/json writes them (DynamicsReport, CompareOutput,
				// MatrixOptions).
				if fv.Kind() == reflect.Pointer && fv.IsNil() {
					continue
				}
				if inner, ok := finiteTree(fv).(orderedObject); ok {
					out = append(out, inner...)
					continue
				}
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			if (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && strings.Contains(opts, "omitempty") && fv.Len() == 0 {
				continue
			}
			out = append(out, field{name, finiteTree(fv)})
		}
		return out
	}
	return v.Interface()
}

func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	b, _ := json.Marshal(k.Interface())
	return strings.Trim(string(b), `"`)
}

// orderedObject is a JSON object that keeps the struct's field order.
type orderedObject []field

type field struct {
	name  string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
