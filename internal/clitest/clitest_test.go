package clitest

import (
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

func echo(t *cli.Tool, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("no arguments")
	}
	in, err := io.ReadAll(t.Stdin)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.Stdout, "%s %q", args[0], in)
	if args[0] == "fail" {
		return fmt.Errorf("failed")
	}
	return nil
}

func TestRun(t *testing.T) {
	code, out, errs := Run("echo", echo, []byte("in"), "a")
	assert.Equal(t, 0, code)
	assert.Equal(t, `a "in"`, out)
	assert.Empty(t, errs)

	code, out, errs = Run("echo", echo, nil)
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "echo: no arguments\n", errs)

	code, out, errs = Run("echo", echo, nil, "fail")
	assert.Equal(t, 1, code)
	assert.Equal(t, `fail ""`, out)
	assert.Equal(t, "echo: failed\n", errs)
}

func TestWriteMatrix(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.csv")
	WriteMatrix(t, p, []float64{1, 2, 3, 4, 5, 6}, 3)
	f, err := matfile.Open(p)
	require.NoError(t, err)
	defer f.Close()
	got, err := stream.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, got)
}
