// Command topeig estimates the top eigenvector v₁ of AᵀA — the top right
// singular vector of a matrix A — and its eigenvalue λ₁ = σ₁², streaming
// the rows of A from a file or standard input.
//
//	topeig [-method randorder|oja|ojagrid|power|lanczos] [-shuffle [-seed S] [-mem BYTES]]
//	       [-o FILE] [-json] [-tol T] [-passes K] [-demo] [FILE]
//
// Methods (see package spectral):
//
//	randorder  one pass, random-order heavy-row estimator (default). Its
//	           precondition is rows in uniformly random order: use -shuffle
//	           unless they already are.
//	oja        one pass, Oja's rule with the scale-free schedule η = d/Σ‖a‖².
//	ojagrid    one pass, Oja's rule on a geometric grid of learning rates,
//	           the best chosen by its prequential score (it reports failure
//	           when the best is at an end of the grid); needs the row count,
//	           so a file whose header gives it.
//	power      power method, one pass per iteration: needs a file on disk.
//	lanczos    Lanczos with full reorthogonalization: needs a file on disk.
//
// It prints λ₁, where the vector went, the rows read, the heavy rows kept,
// the estimator's state size, the time and the rows per second, and the
// evidence behind the answer (a residual certificate for power and
// lanczos; an estimated gap λ₁/λ₂, a stability score and a confidence
// verdict for the one-pass methods). -json prints one JSON object instead.
// The vector is written to -o (format from the name: .npy, .csv, …, one
// row of d values); without -o it is part of the -json output, or
// summarized in the text output.
//
// With -demo, or with no FILE while standard input is a terminal, topeig
// runs on the built-in digits matrix (1797×64, shuffled) and also prints
// the correlation of its answer with the exact one.
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

const usage = `[-method randorder|oja|ojagrid|power|lanczos] [-shuffle [-seed S] [-mem BYTES]]
       [-o FILE] [-json] [-tol T] [-passes K] [-demo] [FILE]`

func main() { cli.Main(cli.New("topeig"), run) }

type options struct {
	method, out string
	shuffle, js bool
	demo        bool
	seed        uint64
	mem         int64
	tol         float64
	passes      int
}

// report is the -json object.
type report struct {
	Method         string    `json:"method"`
	Input          string    `json:"input"`
	Value          float64   `json:"value"`
	Rows           int64     `json:"rows"`
	Cols           int       `json:"cols"`
	HeavyRows      int       `json:"heavy_rows"`
	HeavyEvicted   int64     `json:"heavy_evicted"`
	StateFloats    int       `json:"state_floats"`
	LearningRate   *float64  `json:"learning_rate,omitempty"` // ojagrid: the rate chosen
	Seconds        float64   `json:"seconds"`
	RowsPerSecond  float64   `json:"rows_per_second"`
	Passes         int       `json:"passes"`
	Shuffled       bool      `json:"shuffled"`
	Confident      bool      `json:"confident"`
	Gap            *float64  `json:"gap,omitempty"`
	Stability      *float64  `json:"stability,omitempty"`
	Residual       *float64  `json:"residual,omitempty"`
	SinBound       *float64  `json:"sin_bound,omitempty"`
	Converged      *bool     `json:"converged,omitempty"`
	Assumes        string    `json:"assumes,omitempty"`
	VectorFile     string    `json:"vector_file,omitempty"`
	Vector         []float64 `json:"vector,omitempty"`
	ExactCorr      *float64  `json:"exact_correlation,omitempty"`
	ExactValue     *float64  `json:"exact_value,omitempty"`
	ExactCorrNotes string    `json:"exact_method,omitempty"`
}

func run(t *cli.Tool, args []string) error {
	var o options
	fs := t.FlagSet(usage)
	fs.StringVar(&o.method, "method", "randorder", "estimator: randorder, oja, ojagrid (one pass) or power, lanczos (several passes over a file)")
	fs.BoolVar(&o.shuffle, "shuffle", false, "feed the rows in a uniformly random order (exact, in bounded memory); the demo always shuffles")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the shuffle and of the start vector")
	fs.Int64Var(&o.mem, "mem", 256<<20, "memory budget in `bytes` for -shuffle (beyond it rows spill to compressed temporary files)")
	fs.StringVar(&o.out, "o", "", "write the unit vector to `file` (format from the name, e.g. v.npy or v.csv)")
	fs.BoolVar(&o.js, "json", false, "print one JSON object")
	fs.Float64Var(&o.tol, "tol", 1e-8, "power, lanczos: stop when ‖AᵀAv − λv‖ ≤ tol·λ")
	fs.IntVar(&o.passes, "passes", 0, "power, lanczos: maximum passes over the file (default 300 for power, 100 for lanczos)")
	fs.BoolVar(&o.demo, "demo", false, "run on the built-in digits matrix and compare with the exact answer")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	switch o.method {
	case "randorder", "oja", "ojagrid", "power", "lanczos":
	default:
		return cli.Usagef("-method %q: expected randorder, oja, ojagrid, power or lanczos", o.method)
	}
	if o.mem <= 0 {
		return cli.Usagef("-mem %d: expected a positive number of bytes", o.mem)
	}
	if !(o.tol > 0 && o.tol < 1) {
		return cli.Usagef("-tol %v: expected 0 < tol < 1", o.tol)
	}
	if o.passes < 0 {
		return cli.Usagef("-passes %d: expected a positive count", o.passes)
	}
	if fs.NArg() > 1 {
		return cli.Usagef("one FILE at most (got %d operands)", fs.NArg())
	}
	if o.demo && fs.NArg() > 0 {
		return cli.Usagef("-demo runs on the built-in matrix; it takes no FILE")
	}
	if !o.demo && fs.NArg() == 0 && cli.IsTerminal(t.Stdin) {
		o.demo = true
		if !o.js {
			fmt.Fprintln(t.Stderr, "topeig: no FILE and standard input is a terminal: running the demo (topeig -h for usage)")
		}
	}
	if o.demo {
		return runDemo(t, &o)
	}
	path := "-"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	f, err := matfile.Open(path, matfile.Stdin(t.Stdin))
	if err != nil {
		return err
	}
	defer f.Close()
	rep, vec, err := estimate(&o, f, f.Name())
	if err != nil {
		return err
	}
	return emit(t, &o, rep, vec)
}

// estimate runs the chosen method on src (a *matfile.File or an in-memory
// reader) and returns the report and the vector.
func estimate(o *options, src stream.Reader, name string) (*report, []float64, error) {
	d := src.Cols()
	rep := &report{Method: o.method, Input: name, Cols: d}
	start := time.Now()
	var res spectral.Result
	switch o.method {
	case "power", "lanczos":
		rw, ok := src.(stream.Rewinder)
		if !ok {
			return nil, nil, fmt.Errorf("-method %s reads the matrix several times and %s cannot be re-read: %w", o.method, name, stream.ErrUnsupported)
		}
		opts := []spectral.Option{spectral.WithSeed(o.seed), spectral.WithTolerance(o.tol)}
		if o.passes > 0 {
			opts = append(opts, spectral.WithMaxPasses(o.passes))
		}
		f := spectral.Power
		if o.method == "lanczos" {
			f = spectral.Lanczos
		}
		var err error
		res, err = f(rw, opts...)
		if err != nil {
			if errors.Is(err, stream.ErrUnsupported) {
				return nil, nil, fmt.Errorf("-method %s needs a file it can read again (not standard input): %w", o.method, err)
			}
			return nil, nil, err
		}
	default:
		r := src
		if o.shuffle {
			// An uncompressed .npy, raw or safetensors file is shuffled
			// through its random-access source: only row indices are held.
			from := src
			if f, ok := src.(*matfile.File); ok {
				if ra, ok := f.RandomAccess(); ok {
					from = ra
				}
			}
			sh, err := stream.NewShuffled(from, stream.WithSeed(o.seed), stream.WithMemory(o.mem))
			if err != nil {
				return nil, nil, err
			}
			defer sh.Close()
			r = sh
			rep.Shuffled = true
		}
		// Read the first block before building the estimator: a shuffled
		// stream knows its length only once it has started.
		buf := make([]float64, stream.DefaultBlockRows*max(1, 4096/d)*d)
		k, rerr := r.ReadRows(buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, nil, rerr
		}
		if k == 0 {
			return nil, nil, fmt.Errorf("%s holds no rows: %w", name, stream.ErrEmpty)
		}
		var opts []spectral.Option
		opts = append(opts, spectral.WithSeed(o.seed))
		var est interface {
			stream.Writer
			Result() spectral.Result
		}
		rows := int64(0)
		if l, ok := r.(stream.Lener); ok && l.Rows() > 0 {
			rows = l.Rows()
		}
		switch o.method {
		case "randorder":
			if rows > 0 {
				opts = append(opts, spectral.WithRows(rows))
			}
			ro, err := spectral.NewRandomOrder(d, opts...)
			if err != nil {
				return nil, nil, err
			}
			est = ro
		case "ojagrid":
			if rows == 0 {
				return nil, nil, fmt.Errorf("-method ojagrid sets its learning rates from the number of rows, which %s does not give (use a file with a header, e.g. .npy, or -method oja): %w", name, stream.ErrUnsupported)
			}
			g, err := spectral.NewOjaGrid(d, append(opts, spectral.WithRows(rows))...)
			if err != nil {
				return nil, nil, err
			}
			est = g
		default:
			oja, err := spectral.NewOja(d, opts...)
			if err != nil {
				return nil, nil, err
			}
			est = oja
		}
		if _, err := est.WriteRows(buf[:k*d]); err != nil {
			return nil, nil, err
		}
		if rerr == nil {
			if _, err := stream.CopyBuffer(est, r, buf); err != nil {
				return nil, nil, err
			}
		}
		res = est.Result()
		if g, ok := est.(*spectral.OjaGrid); ok {
			if eta, i := g.Choice(); i >= 0 {
				rep.LearningRate = &eta
			}
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.Value = res.Value
	rep.Rows = res.Rows
	rep.HeavyRows = res.HeavyRows
	rep.HeavyEvicted = res.HeavyEvicted
	rep.StateFloats = res.StateFloats
	rep.Passes = res.Passes
	rep.Confident = res.Confident
	rep.Assumes = res.Assumes
	if rep.Seconds > 0 {
		rep.RowsPerSecond = float64(res.Rows) * float64(max(res.Passes, 1)) / rep.Seconds
	}
	rep.Gap = finite(res.Gap)
	rep.Stability = finite(res.Stability)
	rep.Residual = finite(res.Residual)
	rep.SinBound = finite(res.SinBound)
	if res.Passes > 1 || o.method == "power" || o.method == "lanczos" {
		c := res.Converged
		rep.Converged = &c
	}
	return rep, res.Vector, nil
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func runDemo(t *cli.Tool, o *options) error {
	x := digits.Pixels()
	d := digits.Cols
	shuffled := o.shuffle
	o.shuffle = true // the demo always shuffles (randorder's precondition)
	rep, vec, err := estimate(o, stream.NewSliceReader(x, d), "digits (built in: 1797 handwritten digits, 8×8 pixels)")
	o.shuffle = shuffled
	if err != nil {
		return err
	}
	// The exact answer: a dense symmetric eigensolver on AᵀA.
	a := mat.NewDense(digits.Rows, d, x)
	var g mat.SymDense
	g.SymOuterK(1, a.T())
	var es mat.EigenSym
	if !es.Factorize(&g, true) {
		return errors.New("demo: the exact eigensolver failed")
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	exact := mat.Col(nil, d-1, &vecs)
	c := spectral.Correlation(vec, exact)
	l1 := es.Values(nil)[d-1]
	rep.ExactCorr, rep.ExactValue = &c, &l1
	rep.ExactCorrNotes = "gonum EigenSym of AᵀA"
	return emit(t, o, rep, vec)
}

func emit(t *cli.Tool, o *options, rep *report, vec []float64) error {
	if o.out != "" {
		w, err := matfile.Create(o.out, len(vec))
		if err != nil {
			return err
		}
		if _, err := w.WriteRows(vec); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		rep.VectorFile = o.out
	} else if o.js {
		rep.Vector = vec
	}
	if o.js {
		return t.JSON(rep)
	}
	return text(t.Stdout, rep, vec)
}

func text(w io.Writer, rep *report, vec []float64) error {
	var b strings.Builder
	p := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-10s %s\n", label, fmt.Sprintf(format, args...))
	}
	how := map[string]string{
		"randorder": "one pass, random-order heavy-row estimator",
		"oja":       "one pass, Oja's rule",
		"ojagrid":   "one pass, Oja's rule on a grid of learning rates",
		"power":     "power method, one pass per iteration",
		"lanczos":   "Lanczos, one pass per iteration",
	}[rep.Method]
	order := ""
	if rep.Shuffled {
		order = ", rows shuffled"
	}
	p("input", "%s: %d × %d%s", rep.Input, rep.Rows, rep.Cols, order)
	p("method", "%s (%s)", rep.Method, how)
	p("λ₁", "%.6g", rep.Value)
	if rep.VectorFile != "" {
		p("vector", "written to %s", rep.VectorFile)
	} else {
		p("vector", "%s (use -o FILE to save it)", preview(vec))
	}
	p("rows", "%d", rep.Rows)
	switch rep.Method {
	case "randorder":
		l := math.Log2(float64(max(rep.Cols, 2)))
		p("heavy", "%d of %d rows kept exactly (‖a‖² ≥ ‖A‖²_F/(d·L), L = (log₂ d)² = %.3g)", rep.HeavyRows, rep.Rows, l*l)
		if rep.HeavyEvicted > 0 {
			p("", "%d heavy rows moved to the light path: the heavy buffer was full", rep.HeavyEvicted)
		}
	case "oja", "ojagrid":
		p("heavy", "0 (Oja keeps no rows)")
		if rep.LearningRate != nil {
			p("rate", "η = %.4g chosen by prequential score", *rep.LearningRate)
		}
	default:
		p("heavy", "0 (the multi-pass methods keep no rows)")
	}
	p("state", "%d floats (%s)", rep.StateFloats, bytesHuman(8*int64(rep.StateFloats)))
	passes := ""
	if rep.Passes > 1 {
		passes = fmt.Sprintf(", %d passes", rep.Passes)
	}
	p("time", "%.3f s (%s rows/s%s)", rep.Seconds, siHuman(rep.RowsPerSecond), passes)
	switch {
	case rep.Residual != nil:
		ev := fmt.Sprintf("residual ‖AᵀAv − λv‖ = %.3g (relative %.2g)", *rep.Residual, *rep.Residual/math.Max(rep.Value, math.SmallestNonzeroFloat64))
		if rep.SinBound != nil {
			ev += fmt.Sprintf(", sin θ ≲ %.2g", *rep.SinBound)
		}
		p("evidence", "%s, converged: %v", ev, rep.Converged != nil && *rep.Converged)
	default:
		var parts []string
		if rep.Gap != nil {
			parts = append(parts, fmt.Sprintf("estimated λ₁/λ₂ ≈ %.3g", *rep.Gap))
		}
		if rep.Stability != nil {
			parts = append(parts, fmt.Sprintf("stability %.4f", *rep.Stability))
		}
		verdict := "confident"
		if !rep.Confident {
			verdict = "NOT confident: do not trust this vector (too small a gap for one pass, or too few rows)"
		}
		p("evidence", "%s → %s", strings.Join(parts, ", "), verdict)
	}
	if rep.Assumes != "" {
		note := rep.Assumes
		if !rep.Shuffled {
			note += " (not checked: pass -shuffle unless the rows are already in random order)"
		}
		p("assumes", "%s", note)
	}
	if rep.ExactCorr != nil {
		p("exact", "λ₁ = %.6g by %s; correlation ⟨v, v₁⟩² = %.6f", *rep.ExactValue, rep.ExactCorrNotes, *rep.ExactCorr)
		if rep.Method == "power" || rep.Method == "lanczos" {
			p("next", "topeig -demo   (one pass, rows in random order)")
		} else {
			p("next", "topeig -demo -method lanczos   (several passes, with a residual certificate)")
		}
		p("", "topeig -shuffle -o v.npy FILE   (your own matrix: .npy, .csv, .mtx, safetensors, compressed or not)")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func preview(v []float64) string {
	const show = 4
	var parts []string
	for i, x := range v {
		if i == show && len(v) > show+1 {
			parts = append(parts, fmt.Sprintf("… %d more", len(v)-show))
			break
		}
		if math.Abs(x) < 5e-5 {
			x = 0 // no "-0.0000"
		}
		parts = append(parts, fmt.Sprintf("%.4f", x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func bytesHuman(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func siHuman(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2fG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}
