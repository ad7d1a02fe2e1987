package cli

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func tool() (*Tool, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Tool{Name: "t", Stdout: &out, Stderr: &errb}, &out, &errb
}

func TestRunExitCodes(t *testing.T) {
	tl, _, stderr := tool()
	require.Equal(t, 0, tl.Run(func(*Tool, []string) error { return nil }, nil))
	require.Equal(t, 2, tl.Run(func(*Tool, []string) error { return Usagef("need %d operands", 2) }, nil))
	require.Contains(t, stderr.String(), "t: need 2 operands")
	stderr.Reset()
	require.Equal(t, 1, tl.Run(func(*Tool, []string) error { return errors.New("disk full") }, nil))
	require.Equal(t, "t: disk full\n", stderr.String())

	// Flag errors are printed once by the flag package and exit 2.
	stderr.Reset()
	run := func(t *Tool, args []string) error {
		fs := t.FlagSet("[-n N] FILE")
		fs.Int("n", 0, "a number")
		return Parse(fs, args)
	}
	require.Equal(t, 2, tl.Run(run, []string{"-n", "x"}))
	require.Contains(t, stderr.String(), "usage: t [-n N] FILE")
	require.Equal(t, 0, tl.Run(run, []string{"-h"}))
}

func TestTerminalAndJSON(t *testing.T) {
	tl, out, _ := tool()
	require.False(t, IsTerminal(out))
	require.NoError(t, RefuseBinaryToTerminal(out))
	f, err := os.CreateTemp(t.TempDir(), "x")
	require.NoError(t, err)
	defer f.Close()
	require.False(t, IsTerminal(f), "a regular file is not a terminal")
	require.NoError(t, tl.JSON(map[string]int{"rows": 3}))
	require.Equal(t, "{\n  \"rows\": 3\n}\n", out.String())
}
