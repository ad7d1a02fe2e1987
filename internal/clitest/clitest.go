// Package clitest drives linstream's command-line tools in-process from
// their tests: the tool's run function gets the arguments and stdin and
// the test gets back the exit status and both output streams.
package clitest

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/stream/matfile"
)

// Run runs run as the tool called name, with args and stdin (nil for
// empty), through cli.Tool.Run, and returns the exit status cli.Main would
// use and everything written to stdout and stderr.
func Run(name string, run func(t *cli.Tool, args []string) error, stdin []byte, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	t := &cli.Tool{Name: name, Stdin: bytes.NewReader(stdin), Stdout: &out, Stderr: &errb}
	code = t.Run(run, args)
	return code, out.String(), errb.String()
}

// WriteMatrix writes x, a row-major matrix of cols columns, to path in the
// format its extension names (matfile.Create), failing the test on error.
func WriteMatrix(t testing.TB, path string, x []float64, cols int) {
	t.Helper()
	w, err := matfile.Create(path, cols)
	require.NoError(t, err)
	_, err = w.WriteRows(x)
	require.NoError(t, err)
	require.NoError(t, w.Close())
}
