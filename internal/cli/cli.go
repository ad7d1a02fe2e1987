// Package cli holds the conventions shared by linstream's command-line
// tools: flags before operands, "-" or no operand for standard input, data
// on standard output, diagnostics on standard error, exit status 2 for usage
// errors and 1 for failures.
package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

// Tool is one command's context. Tests construct it with their own streams.
type Tool struct {
	Name   string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// New returns a Tool bound to the process's standard streams.
func New(name string) *Tool {
	return &Tool{Name: name, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// UsageError is returned for bad flags or operands; Main exits 2 for it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// FlagSet returns a flag set that reports errors instead of exiting, with
// usage text written to the tool's standard error.
func (t *Tool) FlagSet(usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(t.Name, flag.ContinueOnError)
	fs.SetOutput(t.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(t.Stderr, "usage: %s %s\n", t.Name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// Main runs run and exits: 0 on success, 2 on a usage error (flag parse
// errors included), 1 on any other error, printed as "name: error".
func Main(t *Tool, run func(t *Tool, args []string) error) {
	os.Exit(t.Run(run, os.Args[1:]))
}

// Run runs run with args and returns the exit status Main would use.
func (t *Tool) Run(run func(t *Tool, args []string) error, args []string) int {
	err := run(t, args)
	switch e := err.(type) {
	case nil:
		return 0
	case *UsageError:
		fmt.Fprintf(t.Stderr, "%s: %s\n", t.Name, e.Msg)
		return 2
	default:
		if err == flag.ErrHelp {
			return 0
		}
		if isFlagError(err) {
			return 2
		}
		fmt.Fprintf(t.Stderr, "%s: %v\n", t.Name, err)
		return 1
	}
}

// flagError marks errors returned by FlagSet.Parse (already printed).
type flagError struct{ error }

func isFlagError(err error) bool { _, ok := err.(flagError); return ok }

// Parse parses args with fs; a parse error becomes a usage error that Run
// does not print twice.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return flagError{err}
	}
	return nil
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// RefuseBinaryToTerminal returns a usage error if w is a terminal, so a
// tool never sprays binary matrix data over a user's screen.
func RefuseBinaryToTerminal(w io.Writer) error {
	if IsTerminal(w) {
		return Usagef("refusing to write binary data to a terminal; use -o FILE or redirect stdout")
	}
	return nil
}

// JSON writes v as one indented JSON object followed by a newline.
func (t *Tool) JSON(v any) error {
	enc := json.NewEncoder(t.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
