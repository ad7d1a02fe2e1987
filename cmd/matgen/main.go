// Command matgen writes a synthetic matrix, generated on the fly from a
// seed, to a file or to standard output, in any format and compression
// linstream writes.
//
//	matgen KIND [flags]
//
// KIND is one of
//
//	gaussian   i.i.d. N(0,1) entries
//	lowrank    rank -rank signal with singular values r…1 plus -noise
//	spectrum   the singular values -values along random directions
//	spiked     rows N(0, Σ), Σ's top eigenvalue -ratio times the rest
//	heavy      the random-order hard instance: -ratio unit rows among
//	           (cols−1)·-k light rows, in -order random or sorted
//
// The output goes to -o FILE (format and compression from its name unless
// -format/-compress say otherwise) or to standard output, which needs
// -format and refuses binary formats on a terminal. With -json and -o,
// matgen prints what it generated (shape, seed, the planted singular
// values, the top vector) as JSON on standard output.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/synth"
)

const usage = `KIND [flags]
  KIND: gaussian | lowrank | spectrum | spiked | heavy
  e.g. matgen spiked -rows 100000 -cols 512 -ratio 4 -seed 7 -o x.npy.zst`

func main() { cli.Main(cli.New("matgen"), run) }

// generator is what every synth matrix is.
type generator interface {
	stream.Reader
	stream.Lener
}

// summary is the -json output.
type summary struct {
	Kind           string    `json:"kind"`
	Rows           int64     `json:"rows"`
	Cols           int       `json:"cols"`
	Seed           uint64    `json:"seed"`
	Output         string    `json:"output"`
	Format         string    `json:"format"`
	Compression    string    `json:"compression"`
	SingularValues []float64 `json:"singular_values,omitempty"`
	Noise          *float64  `json:"noise,omitempty"`
	Ratio          float64   `json:"ratio,omitempty"`
	Order          string    `json:"order,omitempty"`
	TopVector      []float64 `json:"top_vector,omitempty"`
}

func run(t *cli.Tool, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("missing KIND; usage: matgen %s", usage)
	}
	kind := args[0]
	switch kind {
	case "gaussian", "lowrank", "spectrum", "spiked", "heavy":
	case "-h", "-help", "--help":
		t.FlagSet(usage).Usage()
		return nil
	default:
		return cli.Usagef("unknown KIND %q; expected gaussian, lowrank, spectrum, spiked or heavy", kind)
	}
	fs := t.FlagSet(usage)
	rows := fs.Int64("rows", 1000, "number of rows (not for heavy: it has ratio + (cols−1)·k)")
	cols := fs.Int("cols", 10, "number of columns")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same matrix)")
	rank := fs.Int("rank", 5, "lowrank: rank r (singular values r, r−1, …, 1)")
	noise := fs.Float64("noise", 0.01, "lowrank: noise level")
	ratio := fs.Float64("ratio", 4, "spiked: eigenvalue ratio λ₁/λ₂; heavy: number R of heavy rows (σ₁² = R)")
	k := fs.Int64("k", 100, "heavy: light rows per direction")
	values := fs.String("values", "", "spectrum: comma-separated singular values")
	exact := fs.Bool("exact", false, "spectrum: exactly orthonormal left factor (stores rows×len(values) floats)")
	order := fs.String("order", "random", "heavy: row order, random or sorted (heavy rows last)")
	out := fs.String("o", "", "output file (default standard output, which needs -format)")
	format := fs.String("format", "", "output format: npy, safetensors, csv, tsv, mtx, raw (default from -o's name)")
	compress := fs.String("compress", "", "compression: zstd, gzip, s2, snappy, none (default from -o's name)")
	f32 := fs.Bool("float32", false, "write float32 (npy, safetensors, raw)")
	asJSON := fs.Bool("json", false, "print a JSON summary of what was generated (needs -o)")
	if err := cli.Parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected operand %q (flags come after KIND)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *asJSON && (*out == "" || *out == "-") {
		return cli.Usagef("-json needs -o FILE: standard output carries the matrix")
	}
	if kind == "heavy" && set["rows"] {
		return cli.Usagef("heavy has ratio + (cols−1)·k rows; -rows does not apply")
	}

	sum := summary{Kind: kind, Cols: *cols, Seed: *seed}
	var g generator
	var err error
	switch kind {
	case "gaussian":
		g, err = synth.NewGaussian(*rows, *cols, *seed)
	case "lowrank":
		var l *synth.LowRank
		l, err = synth.NewLowRank(*rows, *cols, *rank, *noise, *seed)
		if err == nil {
			g = l
			sum.SingularValues = l.Values(nil)
			sum.Noise = noise
		}
	case "spectrum":
		var vals []float64
		vals, err = parseValues(*values)
		if err != nil {
			return err
		}
		var s *synth.Spectrum
		if *exact {
			s, err = synth.NewSpectrumExact(*rows, *cols, vals, *seed)
		} else {
			s, err = synth.NewSpectrum(*rows, *cols, vals, *seed)
		}
		if err == nil {
			g = s
			sum.SingularValues = s.Values(nil)
		}
	case "spiked":
		var s *synth.Spiked
		s, err = synth.NewSpiked(*rows, *cols, *ratio, *seed)
		if err == nil {
			g = s
			sum.Ratio = *ratio
			sum.TopVector = s.TopVector(nil)
		}
	case "heavy":
		var o synth.Order
		switch *order {
		case "random":
			o = synth.RandomOrder
		case "sorted":
			o = synth.SortedOrder
		default:
			return cli.Usagef("-order %q: expected random or sorted", *order)
		}
		if *ratio != math.Trunc(*ratio) || *ratio < 1 || *ratio > 1<<40 {
			return cli.Usagef("heavy: -ratio is the number of heavy rows, a positive integer; got %v", *ratio)
		}
		var h *synth.Heavy
		h, err = synth.NewHeavy(*cols, int64(*ratio), *k, o, *seed)
		if err == nil {
			g = h
			sum.Ratio = *ratio
			sum.Order = o.String()
			sum.SingularValues = h.SingularValues(nil)[:min(2, *cols)]
			sum.TopVector = h.TopVector(nil)
		}
	}
	if err != nil {
		if errors.Is(err, stream.ErrInvalidOption) {
			return cli.Usagef("%v", err)
		}
		return err
	}
	sum.Rows = g.Rows()

	opts := []matfile.Option{matfile.KnownRows(g.Rows())}
	if *format != "" {
		f, err := matfile.ParseFormat(*format)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		opts = append(opts, matfile.WithFormat(f))
	}
	if *compress != "" {
		c, err := matfile.ParseCompression(*compress)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		if c == matfile.Bzip2 {
			return cli.Usagef("-compress bzip2: linstream reads bzip2 but cannot write it")
		}
		opts = append(opts, matfile.WithCompression(c))
	}
	if *f32 {
		opts = append(opts, matfile.Float32())
	}
	path := *out
	if path == "" || path == "-" {
		path = "-"
		if *format == "" {
			return cli.Usagef("writing to standard output needs -format (or give -o FILE)")
		}
		f, _ := matfile.ParseFormat(*format)
		c := matfile.None
		if *compress != "" {
			c, _ = matfile.ParseCompression(*compress)
		}
		if f == matfile.NPY || f == matfile.Safetensors || f == matfile.Raw || c != matfile.None {
			if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
				return err
			}
		}
		opts = append(opts, matfile.Stdout(t.Stdout))
	}
	w, err := matfile.Create(path, g.Cols(), opts...)
	if err != nil {
		return err
	}
	var dst stream.Writer = w
	if cli.IsTerminal(t.Stderr) {
		dst = &progress{Writer: w, total: g.Rows(), out: t.Stderr, name: t.Name}
	}
	_, cerr := stream.Copy(dst, g)
	if p, ok := dst.(*progress); ok {
		p.done()
	}
	if err := w.Close(); cerr == nil {
		cerr = err
	}
	if cerr != nil {
		return cerr
	}
	if *asJSON {
		sum.Output = w.Name()
		sum.Format = string(w.Format())
		sum.Compression = string(w.Compression())
		return t.JSON(sum)
	}
	return nil
}

func parseValues(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, cli.Usagef("spectrum needs -values v1,v2,…")
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, cli.Usagef("-values: %q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// progress reports rows written on a terminal, at most every half second.
type progress struct {
	stream.Writer
	total, rows int64
	last        time.Time
	out         io.Writer
	name        string
}

func (p *progress) WriteRows(src []float64) (int, error) {
	n, err := p.Writer.WriteRows(src)
	p.rows += int64(n)
	if now := time.Now(); now.Sub(p.last) > 500*time.Millisecond {
		p.last = now
		fmt.Fprintf(p.out, "\r%s: %d/%d rows (%.0f%%)", p.name, p.rows, p.total, 100*float64(p.rows)/float64(max(p.total, 1)))
	}
	return n, err
}

func (p *progress) done() {
	if !p.last.IsZero() {
		fmt.Fprintf(p.out, "\r%s: %d/%d rows        \n", p.name, p.rows, p.total)
	}
}
