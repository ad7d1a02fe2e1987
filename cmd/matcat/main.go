// Command matcat concatenates, converts, compresses, shuffles, truncates and
// summarizes matrix files.
//
//	matcat [-o FILE] [-format F] [-compress C] [-tensor NAME] [-cols N] [FILE…]
//
// Every input must have the same number of columns; their rows are written
// in order (or, with -shuffle, in a uniformly random order) to -o or
// standard output. Input formats and compression are detected (see
// stream/matfile); the output's come from -format and -compress, else from
// the -o name, else (standard output) the first input's format,
// uncompressed. No operand, or "-", reads standard input. Binary output is
// never written to a terminal.
//
// -stat reads the inputs and prints rows, columns, the Frobenius norm, the
// largest row norm and its 0-based row index, and the number of non-finite
// values (norms count finite values only); -json prints it as JSON.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/internal/kernel"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/raw"
)

const usage = `[-o FILE] [-format npy|mtx|csv|tsv|raw|safetensors] [-compress zstd|gzip|s2|snappy|none]
       [-tensor NAME] [-cols N] [-dtype f64|f32] [-f32] [-head N] [-shuffle [-seed S] [-mem BYTES]]
       [-stat [-json]] [-allow-nonfinite] [FILE…]`

func main() { cli.Main(cli.New("matcat"), run) }

type options struct {
	out, format, compress, tensor, dtype string
	cols, level                          int
	f32, shuffle, stat, json, allowNF    bool
	head                                 int64
	seed                                 uint64
	mem                                  int64
}

func run(t *cli.Tool, args []string) error {
	var o options
	fs := t.FlagSet(usage)
	fs.StringVar(&o.out, "o", "", "output `file` (default standard output)")
	fs.StringVar(&o.format, "format", "", "output format: npy, mtx, csv, tsv, raw or safetensors (default from -o's name)")
	fs.StringVar(&o.compress, "compress", "", "output compression: zstd, gzip, s2, snappy or none (default from -o's name)")
	fs.IntVar(&o.level, "level", 0, "compression level 1 (fastest) … 4 (smallest); 0 is the codec's default")
	fs.StringVar(&o.tensor, "tensor", "", "safetensors tensor to read, and name of the tensor written (default \"data\")")
	fs.IntVar(&o.cols, "cols", 0, "columns of raw (headerless) input")
	fs.StringVar(&o.dtype, "dtype", "", "element type of raw input: f64 or f32 (default from the extension, else f64)")
	fs.BoolVar(&o.f32, "f32", false, "write float32 values (npy, safetensors, raw)")
	fs.Int64Var(&o.head, "head", -1, "write only the first `N` rows")
	fs.BoolVar(&o.shuffle, "shuffle", false, "write the rows in a uniformly random order")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed for -shuffle")
	fs.Int64Var(&o.mem, "mem", 256<<20, "memory budget in `bytes` for -shuffle (beyond it rows spill to compressed temporary files)")
	fs.BoolVar(&o.stat, "stat", false, "print rows, cols, Frobenius norm, largest row norm and non-finite count instead of data")
	fs.BoolVar(&o.json, "json", false, "with -stat: print JSON")
	fs.BoolVar(&o.allowNF, "allow-nonfinite", false, "accept NaN and ±Inf in the input")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	if err := o.validate(inputs); err != nil {
		return err
	}

	files, err := openInputs(t, &o, inputs)
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if err != nil {
		return err
	}
	if o.stat {
		return runStat(t, &o, files)
	}
	return convert(t, &o, files)
}

func (o *options) validate(inputs []string) error {
	if o.format != "" {
		if _, err := matfile.ParseFormat(o.format); err != nil {
			return cli.Usagef("-format %q: expected npy, mtx, csv, tsv, raw or safetensors", o.format)
		}
	}
	if o.compress != "" {
		c, err := matfile.ParseCompression(o.compress)
		if err != nil {
			return cli.Usagef("-compress %q: expected zstd, gzip, s2, snappy or none", o.compress)
		}
		if c == matfile.Bzip2 {
			return cli.Usagef("-compress bzip2: bzip2 can be read but not written; use zstd, gzip or s2")
		}
	}
	switch o.dtype {
	case "", "f64", "f32":
	default:
		return cli.Usagef("-dtype %q: expected f64 or f32", o.dtype)
	}
	if o.cols < 0 {
		return cli.Usagef("-cols %d: expected a positive number of columns", o.cols)
	}
	if o.level < 0 || o.level > 4 {
		return cli.Usagef("-level %d: expected 0 to 4", o.level)
	}
	if o.head < -1 {
		return cli.Usagef("-head %d: expected a non-negative row count", o.head)
	}
	if o.mem <= 0 {
		return cli.Usagef("-mem %d: expected a positive number of bytes", o.mem)
	}
	if o.json && !o.stat {
		return cli.Usagef("-json only applies to -stat")
	}
	if o.stat && (o.out != "" || o.format != "" || o.compress != "" || o.shuffle || o.f32) {
		return cli.Usagef("-stat prints a summary; it takes no -o, -format, -compress, -f32 or -shuffle")
	}
	stdin := 0
	for _, in := range inputs {
		if in == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return cli.Usagef("standard input (-) can be read only once")
	}
	return nil
}

func openInputs(t *cli.Tool, o *options, inputs []string) ([]*matfile.File, error) {
	var opts []matfile.Option
	opts = append(opts, matfile.Stdin(t.Stdin))
	if o.cols > 0 {
		opts = append(opts, matfile.Cols(o.cols))
	}
	switch o.dtype {
	case "f64":
		opts = append(opts, matfile.Dtype(raw.Float64))
	case "f32":
		opts = append(opts, matfile.Dtype(raw.Float32))
	}
	if o.tensor != "" {
		opts = append(opts, matfile.Tensor(o.tensor))
	}
	if o.allowNF || o.stat {
		opts = append(opts, matfile.AllowNonFinite())
	}
	var files []*matfile.File
	for _, in := range inputs {
		f, err := matfile.Open(in, opts...)
		if err != nil {
			return files, err
		}
		if len(files) > 0 && f.Cols() != files[0].Cols() {
			f.Close()
			return files, fmt.Errorf("%s has %d columns but %s has %d; all inputs must have the same number of columns: %w",
				f.Name(), f.Cols(), files[0].Name(), files[0].Cols(), stream.ErrShape)
		}
		files = append(files, f)
	}
	if o.out != "" && o.out != "-" {
		if ost, err := os.Stat(o.out); err == nil {
			for _, in := range inputs {
				if ist, err := os.Stat(in); err == nil && in != "-" && os.SameFile(ist, ost) {
					return files, cli.Usagef("the output %s is also an input", o.out)
				}
			}
		}
	}
	return files, nil
}

// concat reads the files one after another.
type concat struct {
	files []*matfile.File
	i     int
	rows  int64
}

func (c *concat) Cols() int { return c.files[0].Cols() }

func (c *concat) Rows() int64 { return c.rows }

func (c *concat) ReadRows(dst []float64) (int, error) {
	for c.i < len(c.files) {
		n, err := c.files[c.i].ReadRows(dst)
		if err == io.EOF {
			c.i++
			if n == 0 {
				continue
			}
			return n, nil
		}
		return n, err
	}
	return 0, io.EOF
}

// totalRows returns the sum of the inputs' declared rows, or -1.
func totalRows(files []*matfile.File) int64 {
	var total int64
	for _, f := range files {
		r := f.Rows()
		if r < 0 {
			return -1
		}
		total += r
	}
	return total
}

func isBinary(f matfile.Format, c matfile.Compression) bool {
	return c != matfile.None || f == matfile.NPY || f == matfile.Safetensors || f == matfile.Raw
}

func convert(t *cli.Tool, o *options, files []*matfile.File) error {
	cols := files[0].Cols()
	var src stream.Reader = &concat{files: files, rows: totalRows(files)}
	if len(files) == 1 {
		src = files[0]
	}
	rows := totalRows(files)
	var wopts []matfile.Option
	wopts = append(wopts, matfile.Stdout(t.Stdout))
	if o.format != "" {
		f, _ := matfile.ParseFormat(o.format)
		wopts = append(wopts, matfile.WithFormat(f))
	}
	if o.compress != "" {
		c, _ := matfile.ParseCompression(o.compress)
		wopts = append(wopts, matfile.WithCompression(c))
	}
	out := o.out
	if out == "" {
		out = "-"
	}
	if out == "-" {
		format := matfile.Format(o.format)
		if format == "" {
			format = files[0].Format()
			wopts = append(wopts, matfile.WithFormat(format))
		}
		comp := matfile.None
		if o.compress != "" {
			comp, _ = matfile.ParseCompression(o.compress)
		}
		if isBinary(format, comp) {
			if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
				return err
			}
		}
	} else if o.format == "" {
		if f, _ := matfile.FromName(out); f == "" {
			return cli.Usagef("cannot tell the output format from the name %s; use -format", out)
		}
	}
	if o.level > 0 {
		wopts = append(wopts, matfile.Level(o.level))
	}
	if o.f32 {
		wopts = append(wopts, matfile.Float32())
	}
	if o.tensor != "" {
		wopts = append(wopts, matfile.Tensor(o.tensor))
	}
	if o.head >= 0 {
		if rows >= 0 {
			rows = min(rows, o.head)
		}
	}
	if rows >= 0 {
		wopts = append(wopts, matfile.KnownRows(rows))
	}

	if o.shuffle {
		sh, err := newShuffled(files, src, o)
		if err != nil {
			return err
		}
		defer sh.Close()
		src = sh
	}
	if o.head >= 0 {
		src = stream.LimitRows(src, o.head)
	}
	w, err := matfile.Create(out, cols, wopts...)
	if err != nil {
		return err
	}
	n, err := copyRows(t, w, src)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil && out != "-" {
		os.Remove(out)
	}
	if err == nil && rows >= 0 && n != rows {
		err = fmt.Errorf("wrote %d rows but the inputs declare %d", n, rows)
	}
	return err
}

// copyRows copies src to w in blocks of about 1 MiB, showing progress on a
// terminal.
func copyRows(t *cli.Tool, w stream.Writer, src stream.Reader) (int64, error) {
	cols := src.Cols()
	buf := make([]float64, max(64, (1<<17)/cols)*cols)
	p := newProgress(t)
	var rows int64
	for {
		n, err := src.ReadRows(buf)
		if n > 0 {
			m, werr := w.WriteRows(buf[:n*cols])
			rows += int64(m)
			if werr != nil {
				p.done(rows)
				return rows, werr
			}
			p.update(rows)
		}
		if err == io.EOF {
			p.done(rows)
			return rows, nil
		}
		if err != nil {
			p.done(rows)
			return rows, err
		}
	}
}

type progress struct {
	t     *cli.Tool
	on    bool
	last  time.Time
	shown bool
}

func newProgress(t *cli.Tool) *progress {
	return &progress{t: t, on: cli.IsTerminal(t.Stderr), last: time.Now()}
}

func (p *progress) update(rows int64) {
	if !p.on || time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	p.shown = true
	fmt.Fprintf(p.t.Stderr, "\r%s: %d rows", p.t.Name, rows)
}

func (p *progress) done(rows int64) {
	if p.shown {
		fmt.Fprintf(p.t.Stderr, "\r%s: %d rows\n", p.t.Name, rows)
	}
}

// Stat is what -stat reports.
type Stat struct {
	Files       []string `json:"files"`
	Rows        int64    `json:"rows"`
	Cols        int      `json:"cols"`
	Frobenius   float64  `json:"frobenius"`
	MaxRowNorm  float64  `json:"max_row_norm"`
	MaxRowIndex int64    `json:"max_row_index"` // 0-based; -1 when there are no rows
	NonFinite   int64    `json:"nonfinite"`
}

func runStat(t *cli.Tool, o *options, files []*matfile.File) error {
	var src stream.Reader = &concat{files: files}
	if o.head >= 0 {
		src = stream.LimitRows(src, o.head)
	}
	cols := src.Cols()
	st := Stat{Cols: cols, MaxRowIndex: -1}
	for _, f := range files {
		st.Files = append(st.Files, f.Name())
	}
	buf := make([]float64, max(64, (1<<17)/cols)*cols)
	tmp := make([]float64, cols)
	var scale, ssq float64 = 0, 1 // Frobenius norm = scale·√ssq, overflow-free
	p := newProgress(t)
	for {
		n, err := src.ReadRows(buf)
		block := buf[:n*cols]
		clean := stream.CheckFinite(block, cols, 0) == nil
		for i := range n {
			row := block[i*cols : (i+1)*cols]
			if !clean {
				bad := 0
				for j, v := range row {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						tmp[j] = 0
						bad++
					} else {
						tmp[j] = v
					}
				}
				if bad > 0 {
					st.NonFinite += int64(bad)
					row = tmp
				}
			}
			r := kernel.Nrm2(row)
			if r > st.MaxRowNorm || st.MaxRowIndex < 0 {
				st.MaxRowNorm, st.MaxRowIndex = r, st.Rows
			}
			if r > 0 {
				if scale < r {
					ssq = 1 + ssq*(scale/r)*(scale/r)
					scale = r
				} else {
					ssq += (r / scale) * (r / scale)
				}
			}
			st.Rows++
		}
		p.update(st.Rows)
		if err == io.EOF {
			break
		}
		if err != nil {
			p.done(st.Rows)
			return err
		}
	}
	p.done(st.Rows)
	st.Frobenius = scale * math.Sqrt(ssq)
	if o.json {
		return t.JSON(st)
	}
	fmt.Fprintf(t.Stdout, "files         %s\n", strings.Join(st.Files, " "))
	fmt.Fprintf(t.Stdout, "rows          %d\n", st.Rows)
	fmt.Fprintf(t.Stdout, "cols          %d\n", st.Cols)
	fmt.Fprintf(t.Stdout, "frobenius     %.17g\n", st.Frobenius)
	fmt.Fprintf(t.Stdout, "max_row_norm  %.17g\n", st.MaxRowNorm)
	fmt.Fprintf(t.Stdout, "max_row_index %d\n", st.MaxRowIndex)
	fmt.Fprintf(t.Stdout, "nonfinite     %d\n", st.NonFinite)
	return nil
}

// newShuffled returns the rows of src in a uniformly random order
// (stream.NewShuffled). A single uncompressed .npy, raw or safetensors file
// is read through its random-access source, so nothing but row indices is
// spilled.
func newShuffled(files []*matfile.File, src stream.Reader, o *options) (*stream.Shuffled, error) {
	if len(files) == 1 {
		if ra, ok := files[0].RandomAccess(); ok {
			src = ra
		}
	}
	sh, err := stream.NewShuffled(src, stream.WithSeed(o.seed), stream.WithMemory(o.mem))
	if errors.Is(err, stream.ErrInvalidOption) || errors.Is(err, stream.ErrTooLarge) {
		return nil, cli.Usagef("-mem %d: %v", o.mem, err)
	}
	return sh, err
}
