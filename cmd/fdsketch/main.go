// Command fdsketch builds, merges, inspects and exports Frequent Directions
// sketches (package sketch): an ℓ×d summary B of a matrix A streamed from a
// file or standard input, with BᵀB ≼ AᵀA and ‖AᵀA − BᵀB‖₂ ≤ Δ.
//
//	fdsketch -ell L [-o OUT.fds] [-checkpoint FILE -every N] [FILE ...]
//	fdsketch -merge -o OUT.fds A.fds B.fds ...
//	fdsketch -show [-k K] [-json] FILE ...
//	fdsketch -export B.npy FILE ...
//
// Each operand is a matrix file (any format matfile reads, compressed or
// not; "-" or no operand is standard input) or a saved sketch, recognised by
// its magic bytes and loaded rather than sketched. Several operands are
// merged into one sketch of the stacked matrix (same ℓ and columns).
//
// The sketch is written to -o, or to standard output when there is no -o,
// -show, -json or -export (never to a terminal). -show prints rows seen, ℓ,
// d, Δ and the leading singular values with their error bounds; -json
// prints the same as one JSON object. -export writes B (the current sketch,
// including rows not yet shrunk) as a matrix, format from the file name.
//
// With -checkpoint FILE -every N (one matrix operand), the state is saved
// atomically (written to a temporary file, then renamed) every N rows and
// at the end. Run again with the same checkpoint and the same input and it
// resumes: the rows already absorbed are skipped, and the result is bit for
// bit that of an uninterrupted run.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

const usage = `-ell L [-o OUT.fds] [-checkpoint FILE -every N] [FILE ...]
       fdsketch -merge -o OUT.fds A.fds B.fds ...
       fdsketch -show [-k K] [-json] FILE ...
       fdsketch -export B.npy FILE ...`

func main() { cli.Main(cli.New("fdsketch"), run) }

type options struct {
	ell        int
	out        string
	merge      bool
	show, js   bool
	k          int
	export     string
	checkpoint string
	every      int64
}

// readBlock is the number of rows read at a time.
const readBlock = 256

// afterBlock, when set (by tests), is called after each block of rows is
// absorbed with the rows absorbed so far; an error stops the run as a crash
// would.
var afterBlock func(rows int64) error

func run(t *cli.Tool, args []string) error {
	var o options
	fs := t.FlagSet(usage)
	fs.IntVar(&o.ell, "ell", 0, "sketch size ℓ (rows kept; the buffer holds 2ℓ); needed to sketch a matrix")
	fs.StringVar(&o.out, "o", "", "write the sketch to `file`")
	fs.BoolVar(&o.merge, "merge", false, "merge saved sketches (every operand must be one); needs -o")
	fs.BoolVar(&o.show, "show", false, "print rows seen, ℓ, d, Δ and the leading singular values with their bounds")
	fs.BoolVar(&o.js, "json", false, "print the -show summary as one JSON object")
	fs.IntVar(&o.k, "k", 0, "number of singular values to show (default min(ℓ−1, d, 10))")
	fs.StringVar(&o.export, "export", "", "write the sketch B as a matrix to `file` (format from the name, e.g. B.npy)")
	fs.StringVar(&o.checkpoint, "checkpoint", "", "save the state to `file` every -every rows and resume from it")
	fs.Int64Var(&o.every, "every", 100000, "rows between checkpoints")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	ops := fs.Args()
	if len(ops) == 0 {
		ops = []string{"-"}
	}
	switch {
	case o.ell < 0:
		return cli.Usagef("-ell %d: expected a positive size", o.ell)
	case o.k < 0:
		return cli.Usagef("-k %d: expected a positive count", o.k)
	case o.merge && o.out == "":
		return cli.Usagef("-merge needs -o OUT")
	case o.every < 1:
		return cli.Usagef("-every %d: expected a positive row count", o.every)
	case o.checkpoint != "" && len(ops) != 1:
		return cli.Usagef("-checkpoint takes exactly one matrix operand (got %d)", len(ops))
	}
	stdinUsed := false
	for _, op := range ops {
		if op == "-" {
			if stdinUsed {
				return cli.Usagef("standard input given twice")
			}
			stdinUsed = true
		}
	}

	var acc *sketch.FrequentDirections
	for _, op := range ops {
		f, err := operand(t, &o, op)
		if err != nil {
			return err
		}
		if acc == nil {
			acc = f
			continue
		}
		if err := acc.Merge(f); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}

	quiet := o.show || o.js || o.export != ""
	if o.out != "" || !quiet {
		b, err := acc.MarshalBinary()
		if err != nil {
			return err
		}
		if o.out == "" || o.out == "-" {
			if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
				return err
			}
			if _, err := t.Stdout.Write(b); err != nil {
				return err
			}
		} else if err := writeAtomic(o.out, b); err != nil {
			return err
		}
	}
	if o.export != "" {
		if err := export(t, acc, o.export); err != nil {
			return err
		}
	}
	if o.show || o.js {
		return show(t, &o, acc)
	}
	return nil
}

// operand loads a saved sketch or sketches a matrix.
func operand(t *cli.Tool, o *options, op string) (*sketch.FrequentDirections, error) {
	var r io.Reader
	name := op
	if op == "-" {
		r, name = t.Stdin, "<stdin>"
	} else {
		fh, err := os.Open(op)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(len(binfmt.Magic))
	if binfmt.IsState(head) {
		b, err := io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var f sketch.FrequentDirections
		if err := f.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("%s: not a valid Frequent Directions sketch: %w", name, err)
		}
		if o.ell != 0 && f.Ell() != o.ell {
			return nil, fmt.Errorf("%s: saved sketch has ℓ = %d, -ell says %d", name, f.Ell(), o.ell)
		}
		return &f, nil
	}
	if o.merge {
		return nil, cli.Usagef("-merge: %s is not a saved sketch", name)
	}
	if o.ell == 0 {
		return nil, cli.Usagef("%s is a matrix: -ell L is needed to sketch it", name)
	}
	mf, err := matfile.NewReader(br, name)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	return sketchMatrix(o, mf)
}

// sketchMatrix streams the rows of r into a new sketch, checkpointing and
// resuming when asked.
func sketchMatrix(o *options, r stream.Reader) (*sketch.FrequentDirections, error) {
	d := r.Cols()
	f, err := sketch.NewFrequentDirections(d, o.ell)
	if err != nil {
		return nil, err
	}
	var skip int64
	if o.checkpoint != "" {
		b, err := os.ReadFile(o.checkpoint)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			var c sketch.FrequentDirections
			if err := c.UnmarshalBinary(b); err != nil {
				return nil, fmt.Errorf("checkpoint %s: %w", o.checkpoint, err)
			}
			if c.Ell() != o.ell || c.Cols() != d {
				return nil, fmt.Errorf("checkpoint %s holds ℓ = %d, %d columns; this run has ℓ = %d, %d columns",
					o.checkpoint, c.Ell(), c.Cols(), o.ell, d)
			}
			f, skip = &c, c.Seen()
		}
	}
	buf := make([]float64, readBlock*d)
	for skipped := int64(0); skipped < skip; {
		n, err := r.ReadRows(buf[:min(int64(readBlock), skip-skipped)*int64(d)])
		skipped += int64(n)
		if err == io.EOF && skipped < skip {
			return nil, fmt.Errorf("checkpoint %s has absorbed %d rows but the input has only %d: not the same input", o.checkpoint, skip, skipped)
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
	}
	next := skip + o.every
	for {
		want := int64(readBlock)
		if o.checkpoint != "" {
			want = min(want, next-f.Seen())
		}
		n, err := r.ReadRows(buf[:want*int64(d)])
		if n > 0 {
			if _, werr := f.WriteRows(buf[:n*d]); werr != nil {
				return nil, werr
			}
			if o.checkpoint != "" && f.Seen() == next {
				if cerr := saveCheckpoint(o.checkpoint, f); cerr != nil {
					return nil, cerr
				}
				next += o.every
			}
			if afterBlock != nil {
				if herr := afterBlock(f.Seen()); herr != nil {
					return nil, herr
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if o.checkpoint != "" {
		if err := saveCheckpoint(o.checkpoint, f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func saveCheckpoint(path string, f *sketch.FrequentDirections) error {
	b, err := f.MarshalBinary()
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// writeAtomic writes b to a temporary file beside path and renames it over
// path, so a crash leaves either the old file or the new one.
func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func export(t *cli.Tool, f *sketch.FrequentDirections, path string) error {
	if path == "-" {
		if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
			return err
		}
	}
	w, err := matfile.Create(path, f.Cols(), matfile.Stdout(t.Stdout))
	if err != nil {
		return err
	}
	if _, err := w.WriteRows(f.Sketch(nil)); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// summary is the -json object.
type summary struct {
	Rows       int64     `json:"rows"`
	Cols       int       `json:"cols"`
	Ell        int       `json:"ell"`
	SketchRows int       `json:"sketch_rows"`
	Shrinks    int64     `json:"shrinks"`
	Frobenius2 float64   `json:"frobenius2"`
	Delta      float64   `json:"delta"`
	K          int       `json:"k"`
	Values     []float64 `json:"singular_values"`
	Upper      []float64 `json:"singular_value_upper_bounds"`
	TailBound  float64   `json:"tail_bound"`
}

func show(t *cli.Tool, o *options, f *sketch.FrequentDirections) error {
	k := o.k
	if k == 0 {
		k = min(10, f.Ell()-1, f.Cols())
	}
	if k > 0 && (k >= f.Ell() || k > f.Cols()) {
		return cli.Usagef("-k %d: expected k < ℓ = %d and k ≤ %d columns", k, f.Ell(), f.Cols())
	}
	s := summary{Rows: f.Seen(), Cols: f.Cols(), Ell: f.Ell(), SketchRows: f.Len(), Shrinks: f.Shrinks(),
		Frobenius2: f.Frobenius2(), Delta: f.Delta(), K: k, Values: []float64{}, Upper: []float64{}}
	if k > 0 {
		top := f.TopK(k)
		s.Values, s.Upper, s.TailBound = top.Values, top.Upper, top.TailBound
	} else {
		s.TailBound = math.NaN()
	}
	if o.js {
		if k == 0 {
			s.TailBound = 0
		}
		return t.JSON(s)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "rows %d, columns %d, ℓ %d, sketch rows %d, shrinks %d\n", s.Rows, s.Cols, s.Ell, s.SketchRows, s.Shrinks)
	rel := 0.0
	if s.Frobenius2 > 0 {
		rel = s.Delta / s.Frobenius2
	}
	fmt.Fprintf(&b, "‖A‖²_F %.6g, Δ %.6g (Δ/‖A‖²_F %.3g): 0 ≼ AᵀA − BᵀB ≼ Δ·I\n", s.Frobenius2, s.Delta, rel)
	if k > 0 {
		fmt.Fprintf(&b, "%4s  %14s  %14s\n", "i", "σ_i(B) ≤ σ_i(A)", "≤ √(σ_i(B)²+Δ)")
		for i := range k {
			fmt.Fprintf(&b, "%4d  %14.6g  %14.6g\n", i+1, s.Values[i], s.Upper[i])
		}
		fmt.Fprintf(&b, "a-priori bound for k = %d: ‖A − A_k‖²_F/(ℓ − k) ≤ %.6g\n", k, s.TailBound)
	}
	_, err := t.Stdout.Write(b.Bytes())
	return err
}
