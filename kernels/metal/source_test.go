package metal

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// No Metal compiler runs off a Mac, so these tests check the assembled
// Metal source as text: every kernel the Go side dispatches is defined,
// with its [[buffer(i)]] arguments and params struct exactly as kernelArgs
// and paramFields say; and the whole library parses as C++ against a
// stand-in for <metal_stdlib>.

var (
	kernelDecl = regexp.MustCompile(`\bkernel\s+void\s+(\w+)\s*\(`)
	bufferArg  = regexp.MustCompile(`(\w+)\s*\[\[\s*buffer\((\d+)\)\s*\]\]`)
	paramsType = regexp.MustCompile(`constant\s+(\w+)\s*&\s*params\s*\[\[`)
	structDecl = regexp.MustCompile(`struct\s+(\w+)\s*\{([^}]*)\}`)
	uintField  = regexp.MustCompile(`\buint\s+(\w+)\s*;`)
)

// kernelSignatures maps each kernel in src to the text of its parameter list.
func kernelSignatures(t *testing.T, src string) map[string]string {
	t.Helper()
	sigs := map[string]string{}
	for _, m := range kernelDecl.FindAllStringSubmatchIndex(src, -1) {
		name := src[m[2]:m[3]]
		depth, end := 1, m[1]
		for ; depth > 0 && end < len(src); end++ {
			switch src[end] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth != 0 {
			t.Fatalf("kernel %s: unbalanced parentheses", name)
		}
		if _, dup := sigs[name]; dup {
			t.Errorf("kernel %s is defined twice", name)
		}
		sigs[name] = src[m[1] : end-1]
	}
	return sigs
}

func TestKernelArgs(t *testing.T) {
	src, err := metalSource()
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range metalParts {
		if !strings.Contains(src, `#line 1 "`+part+`"`) {
			t.Errorf("the assembled source lacks %s", part)
		}
	}
	sigs := kernelSignatures(t, src)
	structs := map[string][]string{}
	for _, m := range structDecl.FindAllStringSubmatch(src, -1) {
		for _, f := range uintField.FindAllStringSubmatch(m[2], -1) {
			structs[m[1]] = append(structs[m[1]], f[1])
		}
	}
	var defined, listed []string
	for name := range sigs {
		defined = append(defined, name)
	}
	for name := range kernelArgs {
		listed = append(listed, name)
	}
	sort.Strings(defined)
	sort.Strings(listed)
	if !slices.Equal(defined, listed) {
		t.Errorf("kernels defined in shaders/metal %v, listed in kernelArgs %v", defined, listed)
	}
	for name, want := range kernelArgs {
		sig, ok := sigs[name]
		if !ok {
			continue
		}
		var got []string
		for _, m := range bufferArg.FindAllStringSubmatch(sig, -1) {
			i, _ := strconv.Atoi(m[2])
			if i != len(got) {
				t.Errorf("%s: argument %s is [[buffer(%d)]], want %d (indices in order from 0)", name, m[1], i, len(got))
			}
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: buffer arguments %v in shaders/metal, %v in kernelArgs", name, got, want)
		}
		pt := paramsType.FindStringSubmatch(sig)
		if pt == nil {
			t.Errorf("%s: no `constant T &params [[buffer(i)]]` argument", name)
			continue
		}
		if fields := structs[pt[1]]; !slices.Equal(fields, paramFields[name]) {
			t.Errorf("%s: struct %s has uint fields %v, paramFields says %v", name, pt[1], fields, paramFields[name])
		}
	}
	for name := range paramFields {
		if _, ok := kernelArgs[name]; !ok {
			t.Errorf("paramFields lists %s, which kernelArgs does not", name)
		}
	}
}

// TestMetalSourceParsesAsCxx compiles the assembled library with the host
// C++ compiler against testdata/metal_stdlib, which erases the address
// spaces and declares the few Metal functions used: a syntax and type
// check of the kernels (and of the body under the Metal prelude), not a
// Metal compile. It skips only where there is no C++ compiler.
func TestMetalSourceParsesAsCxx(t *testing.T) {
	cxx, err := exec.LookPath("c++")
	if err != nil {
		t.Skipf("no c++ on PATH: %v", err)
	}
	src, err := metalSource()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "kernels.cpp")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	mock, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-x", "c++", "-std=c++14", "-fsyntax-only", "-Wall", "-Wno-attributes", "-Wno-unknown-pragmas", "-I", mock, file}
	if out, err := exec.Command(cxx, args...).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("%s %s: %v\n%s", cxx, strings.Join(args, " "), err, out)
	}
}
