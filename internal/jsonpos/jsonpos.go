// Package jsonpos finds, with its line and column, what encoding/json
// leaves without a position or lets pass: a key the target type does not
// have (DisallowUnknownFields names only the key) and a key given twice in
// one object (encoding/json keeps the last silently).
package jsonpos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Error is an unknown or repeated key.
type Error struct {
	Line, Col int    // 1-based, of the key
	Path      string // the key's place, such as cases[3].extra
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Check walks data, one JSON value, against the type of v (a pointer, as
// given to json.Unmarshal; nil checks repeated keys only). It returns the
// first key that a struct in v has no field for, or that an object repeats;
// nil when there is none. Syntax errors are not its business: it stops at
// the first one and returns nil, leaving them to encoding/json.
func Check(data []byte, v any) *Error {
	var t reflect.Type
	if v != nil {
		t = reflect.TypeOf(v)
	}
	w := walker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	w.value(t, "")
	return w.err
}

type walker struct {
	data []byte
	dec  *json.Decoder
	err  *Error
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// value reads one value whose Go type is t (nil: anything).
func (w *walker) value(t reflect.Type, path string) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		if t.Implements(unmarshaler) {
			t = nil // decodes itself: only repeated keys are checked
			break
		}
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshaler)) {
		t = nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return false
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return true
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return false
			}
			key, _ := tok.(string)
			at := w.keyStart(key)
			kpath := key
			if path != "" {
				kpath = path + "." + key
			}
			ft, canon, known := fieldType(t, key)
			if !known {
				return w.fail(at, kpath, fmt.Sprintf("unknown field %q", key))
			}
			if seen[canon] {
				return w.fail(at, kpath, fmt.Sprintf("key %q appears twice in one object (which one applies would be a guess)", key))
			}
			seen[canon] = true
			if !w.value(ft, kpath) {
				return false
			}
		}
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if !w.value(et, fmt.Sprintf("%s[%d]", path, i)) {
				return false
			}
		}
	}
	_, err = w.dec.Token() // the closing delimiter
	return err == nil
}

func (w *walker) fail(off int64, path, msg string) bool {
	line, col := LineCol(w.data, off)
	w.err = &Error{Line: line, Col: col, Path: path, Msg: msg}
	return false
}

// keyStart returns the offset of the key just read: the decoder stands
// after its closing quote, and the opening quote is the last unescaped one
// before that.
func (w *walker) keyStart(key string) int64 {
	end := w.dec.InputOffset()
	for j := end - 2; j >= 0; j-- {
		if w.data[j] == '"' && (j == 0 || w.data[j-1] != '\\') {
			return j
		}
	}
	return end
}

// fieldType returns the type of key's value in t, the name of the field it
// sets (keys that set one field are repeats of each other) and whether t
// has it. Maps and unknown types take any key.
func fieldType(t reflect.Type, key string) (reflect.Type, string, bool) {
	if t == nil {
		return nil, key, true
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), key, true
	case reflect.Struct:
		var fold *field
		fs := fields(t)
		for i, f := range fs {
			if f.name == key {
				return f.typ, f.name, true
			}
			if fold == nil && strings.EqualFold(f.name, key) {
				fold = &fs[i] // encoding/json matches case-insensitively
			}
		}
		if fold != nil {
			return fold.typ, fold.name, true
		}
		return nil, key, false
	}
	return nil, key, true
}

type field struct {
	name string
	typ  reflect.Type
}

// fields lists the JSON names of t's fields as encoding/json sees them,
// embedded structs' fields included.
func fields(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, fields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name, f.Type})
	}
	return out
}

// LineCol converts a byte offset into a 1-based line and column.
func LineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = int(off) - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
