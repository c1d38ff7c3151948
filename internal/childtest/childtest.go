// Package childtest starts a test's child process (the test binary run
// again as a helper, os.Args[0] -test.run=...) and waits until it is ready
// to be signalled or killed.
package childtest

import (
	"bytes"
	"io"
	"os/exec"
	"testing"
)

// Start starts cmd with its stderr captured and waits for the child's
// ready mark: its first bytes on stdout (at least one). The rest of stdout
// is drained in the background, so the child never blocks on the pipe.
// It returns the stderr buffer, to quote when the child misbehaves (read
// it only after cmd.Wait).
func Start(t testing.TB, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdout.Read(make([]byte, 1)); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child %s: no ready mark on stdout: %v: %s", cmd.Path, err, stderr.Bytes())
	}
	go io.Copy(io.Discard, stdout)
	return &stderr
}
