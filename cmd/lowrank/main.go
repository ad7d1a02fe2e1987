// Command lowrank computes the best rank-r approximation A_r = U Σ Vᵀ of a
// matrix (Eckart–Young), or the rank-r normal form of a score matrix, and
// reports its error with the evidence behind it.
//
//	lowrank -rank r [-method auto|exact|gram|randomized|fd] [-normal-form [-mask M.npy]]
//	        [-o factors.safetensors] [-json] [-oversample p] [-power q] [-krylov]
//	        [-ell L] [-seed S] [-no-u] [FILE]
//
// FILE is any matrix file linstream reads (.npy, .safetensors with -tensor,
// .csv, .mtx, raw, compressed or not); no FILE or "-" is standard input.
//
// Methods (see package lowrank):
//
//	auto        gram for a tall file (rows ≥ 4·cols, cols ≤ 4096) or a pipe,
//	            randomized for other files, fd for a pipe with more than
//	            4096 columns
//	exact       load the matrix; dense SVD when small, else the Gram route
//	            to convergence, with U
//	gram        one pass accumulating AᵀA, then subspace iteration
//	randomized  randomized subspace iteration, q+1 passes (a file, not a pipe);
//	            with -krylov, block Krylov iteration: fewer passes when the
//	            spectrum decays slowly past r
//	fd          one pass into a Frequent Directions sketch of ℓ rows; σ and the
//	            tail come with the sketch's bounds
//
// U needs one more pass over a file (skip it with -no-u); from a pipe, U is
// written only by -method exact. -normal-form loads the m×n score matrix and
// splits it into μ + row field + column field + the rank-r interaction
// Q·Kᵀ (Q = U_r Σ_r^{1/2}, K = V_r Σ_r^{1/2}). With -mask M.npy only the
// addressable entries count: M is an m×n .npy of '|u1' or '|b1' (bool)
// values, 1 where the entry of the score matrix is observed and 0 where it
// is not (its value, even NaN, is then ignored); the fields come from
// alternating row/column centring over the addressable entries (see
// lowrank.NormalForm and WithMask).
//
// -o writes the factors as float64 safetensors: U (rows×r, when computed),
// S (r), V (cols×r); with -normal-form mu (1), row_field (m), col_field (n),
// Q (m×r), K (n×r) and S (r). "-o -" writes them to standard output (then the
// report goes to standard error). The report is text, or one JSON object
// with -json.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/npy"
	"github.com/linstream/linstream/stream/raw"
	"github.com/linstream/linstream/stream/safetensors"
)

const usage = `-rank r [-method auto|exact|gram|randomized|fd] [-normal-form [-mask M.npy]]
       [-o factors.safetensors] [-json] [-oversample p] [-power q] [-krylov] [-ell L]
       [-seed S] [-tensor NAME] [-no-u] [FILE]`

func main() { cli.Main(cli.New("lowrank"), run) }

type options struct {
	rank, oversample, power, ell int
	method, out, tensor, mask    string
	normal, js, noU, krylov      bool
	seed                         uint64
}

// report is the -json object.
type report struct {
	Input       string    `json:"input"`
	Method      string    `json:"method"`
	Rows        int64     `json:"rows"`
	Cols        int       `json:"cols"`
	Rank        int       `json:"rank"`
	Requested   int       `json:"requested_rank"`
	Sigma       []float64 `json:"sigma"`
	NextSigma   float64   `json:"next_sigma"`
	Gap         float64   `json:"gap"`
	GapTol      float64   `json:"gap_tol"`
	Unique      bool      `json:"unique"`
	FrobSq      float64   `json:"frob_sq"`
	TailEnergy  float64   `json:"tail_energy"`
	TailLower   float64   `json:"tail_lower"`
	Error       float64   `json:"error"`
	RelError    float64   `json:"relative_error"`
	StableRank  float64   `json:"stable_rank"`
	Passes      int       `json:"passes"`
	Iterations  int       `json:"iterations"`
	Converged   bool      `json:"converged"`
	Residual    float64   `json:"residual"`
	Delta       *float64  `json:"delta,omitempty"`
	SignsFrom   string    `json:"signs_from"`
	HasU        bool      `json:"has_u"`
	Seconds     float64   `json:"seconds"`
	Output      string    `json:"output,omitempty"`
	Tensors     []string  `json:"tensors,omitempty"`
	NormalForm  bool      `json:"normal_form"`
	Mu          *float64  `json:"mu,omitempty"`
	Interaction *float64  `json:"interaction_energy,omitempty"`
}

// run is the tool; errors from package lowrank lose their own "lowrank: "
// prefix, which the tool's name already prints ("lowrank: lowrank: …"
// otherwise).
func run(t *cli.Tool, args []string) error {
	return trimPrefix(lowrankTool(t, args))
}

// prefixTrimmed is an error printed without the package prefix it starts
// with; errors.Is and errors.As still see the original.
type prefixTrimmed struct {
	msg string
	err error
}

func (e *prefixTrimmed) Error() string { return e.msg }
func (e *prefixTrimmed) Unwrap() error { return e.err }

func trimPrefix(err error) error {
	if err == nil {
		return nil
	}
	if _, usage := err.(*cli.UsageError); usage {
		return err
	}
	if msg, ok := strings.CutPrefix(err.Error(), "lowrank: "); ok {
		return &prefixTrimmed{msg: msg, err: err}
	}
	return err
}

func lowrankTool(t *cli.Tool, args []string) error {
	var o options
	fs := t.FlagSet(usage)
	fs.IntVar(&o.rank, "rank", 0, "target rank r ≥ 1 (required)")
	fs.StringVar(&o.method, "method", "auto", "auto, exact, gram, randomized or fd")
	fs.BoolVar(&o.normal, "normal-form", false, "rank-r normal form of a score matrix: μ, row and column fields, balanced factors Q, K")
	fs.StringVar(&o.mask, "mask", "", "-normal-form: m×n .npy (|u1 or bool) of the addressable entries, 1 = addressable")
	fs.StringVar(&o.out, "o", "", "write the factors to `file` (safetensors; - for standard output)")
	fs.BoolVar(&o.js, "json", false, "print one JSON object")
	fs.IntVar(&o.oversample, "oversample", lowrank.DefaultOversample, "oversampling p of the iterative routes")
	fs.IntVar(&o.power, "power", -1, "randomized: power steps q (q+1 passes); -1 chooses adaptively")
	fs.BoolVar(&o.krylov, "krylov", false, "randomized: block Krylov iteration instead of subspace iteration")
	fs.IntVar(&o.ell, "ell", 0, "fd: sketch rows ℓ > r (default max(2r, r+10))")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.StringVar(&o.tensor, "tensor", "", "safetensors: the tensor to read (default: the only one)")
	fs.BoolVar(&o.noU, "no-u", false, "do not compute U (saves a pass over the file)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if o.rank < 1 {
		return cli.Usagef("-rank %d: expected a rank ≥ 1", o.rank)
	}
	switch o.method {
	case "auto", "exact", "gram", "randomized", "fd":
	default:
		return cli.Usagef("-method %q: expected auto, exact, gram, randomized or fd", o.method)
	}
	if o.oversample < 0 {
		return cli.Usagef("-oversample %d: expected ≥ 0", o.oversample)
	}
	if o.power < -1 {
		return cli.Usagef("-power %d: expected ≥ 0, or -1 for adaptive", o.power)
	}
	if o.ell == 0 {
		o.ell = max(2*o.rank, o.rank+10)
	}
	if o.ell <= o.rank {
		return cli.Usagef("-ell %d: expected more than -rank %d", o.ell, o.rank)
	}
	if o.krylov && o.method != "randomized" {
		return cli.Usagef("-krylov is an iteration of -method randomized (got -method %s)", o.method)
	}
	if o.mask != "" && !o.normal {
		return cli.Usagef("-mask %s: the mask of addressable entries is for -normal-form", o.mask)
	}
	if o.normal && o.method != "auto" && o.method != "exact" {
		return cli.Usagef("-normal-form loads the score matrix; it takes -method auto or exact")
	}
	if fs.NArg() > 1 {
		return cli.Usagef("one FILE at most (got %d operands)", fs.NArg())
	}
	path := "-"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if o.out == "-" {
		if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
			return err
		}
	}
	var mopts []matfile.Option
	mopts = append(mopts, matfile.Stdin(t.Stdin))
	if o.tensor != "" {
		mopts = append(mopts, matfile.Tensor(o.tensor))
	}
	if o.mask != "" {
		// Unobserved entries may hold anything (NaN is the usual marker);
		// NormalForm checks the addressable ones.
		mopts = append(mopts, matfile.AllowNonFinite())
	}
	f, err := matfile.Open(path, mopts...)
	if err != nil {
		return err
	}
	defer f.Close()

	start := time.Now()
	rep := &report{Input: f.Name(), Requested: o.rank, NormalForm: o.normal}
	var tensors []safetensors.Tensor
	if o.normal {
		tensors, err = normalForm(&o, f, rep)
	} else {
		tensors, err = truncate(&o, f, rep)
	}
	if err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	report := t.Stdout
	if o.out != "" {
		rep.Output = o.out
		for _, x := range tensors {
			rep.Tensors = append(rep.Tensors, x.Name)
		}
		if err := writeTensors(t, o.out, tensors); err != nil {
			return err
		}
		if o.out == "-" {
			report = t.Stderr
		}
	}
	if o.js {
		enc := &cli.Tool{Stdout: report}
		return enc.JSON(rep)
	}
	return text(report, rep)
}

// load reads every row of src into memory.
func load(src stream.Reader) ([]float64, int, error) {
	w := stream.NewSliceWriter(src.Cols())
	if _, err := stream.Copy(w, src); err != nil {
		return nil, 0, err
	}
	if w.Rows() == 0 {
		return nil, 0, fmt.Errorf("no rows: %w", stream.ErrEmpty)
	}
	return w.Data(), w.Rows(), nil
}

// canRewind reports whether f can be read again (probing with Rewind,
// which for a file not yet read costs nothing).
func canRewind(f *matfile.File) bool {
	return f.Rewind() == nil
}

func truncate(o *options, f *matfile.File, rep *report) ([]safetensors.Tensor, error) {
	d := f.Cols()
	opts := []lowrank.Option{lowrank.WithOversample(o.oversample), lowrank.WithSeed(o.seed)}
	if o.power >= 0 {
		opts = append(opts, lowrank.WithPowerIters(o.power))
	}
	rewind := canRewind(f)
	method := o.method
	if method == "auto" {
		rows := f.Rows() // -1 when the format does not say
		switch {
		case !rewind && d > 4096:
			method = "fd"
		case !rewind:
			method = "gram"
		case d > 4096 || (rows >= 0 && rows < 4*int64(d)):
			method = "randomized" // the Gram matrix only pays for tall inputs
		default:
			method = "gram"
		}
	}
	var res *lowrank.Result
	var err error
	switch method {
	case "exact":
		var a []float64
		var n int
		a, n, err = load(f)
		if err != nil {
			return nil, err
		}
		m := lowrank.MethodSVD
		if float64(min(n, d))*float64(min(n, d))*float64(max(n, d)) > 1<<27 && 2*o.rank < min(n, d) {
			m = lowrank.MethodGram
		}
		res, err = lowrank.Truncate(a, n, d, o.rank, append(opts, lowrank.WithMethod(m), lowrank.WithTol(1e-12))...)
	case "gram":
		res, err = lowrank.GramTruncate(f, o.rank, append(opts, lowrank.WithU(rewind && !o.noU))...)
	case "randomized":
		if !rewind {
			return nil, fmt.Errorf("-method randomized reads %s several times; it cannot be re-read (use a file, or -method gram or fd): %w", f.Name(), stream.ErrUnsupported)
		}
		res, err = lowrank.Randomized(f, o.rank, append(opts, lowrank.WithU(!o.noU), lowrank.WithKrylov(o.krylov))...)
	case "fd":
		var fd *sketch.FrequentDirections
		fd, err = sketch.NewFrequentDirections(d, o.ell)
		if err != nil {
			return nil, fmt.Errorf("-ell %d: %w", o.ell, err)
		}
		if _, err = stream.Copy(fd, f); err != nil {
			return nil, err
		}
		res, err = lowrank.FromSketch(fd, o.rank)
	}
	if err != nil {
		return nil, err
	}
	fill(rep, res)
	var ts []safetensors.Tensor
	k := int64(res.Rank)
	if res.U != nil {
		ts = append(ts, safetensors.Float64Tensor("U", []int64{res.Rows, k}, res.U))
	}
	ts = append(ts,
		safetensors.Float64Tensor("S", []int64{k}, res.Sigma),
		safetensors.Float64Tensor("V", []int64{int64(res.Cols), k}, res.V))
	return ts, nil
}

func fill(rep *report, res *lowrank.Result) {
	rep.Method = res.Method.String()
	rep.Rows, rep.Cols, rep.Rank = res.Rows, res.Cols, res.Rank
	rep.Sigma = res.Sigma
	if rep.Sigma == nil {
		rep.Sigma = []float64{}
	}
	rep.NextSigma, rep.Gap, rep.GapTol, rep.Unique = res.NextSigma, res.Gap, res.GapTol, res.Unique
	rep.FrobSq, rep.TailEnergy, rep.TailLower = res.FrobSq, res.TailEnergy, res.TailLower
	rep.Error = res.FrobError()
	if res.FrobSq > 0 {
		rep.RelError = rep.Error / math.Sqrt(res.FrobSq)
	}
	rep.StableRank = res.StableRank()
	rep.Passes, rep.Iterations, rep.Converged, rep.Residual = res.Passes, res.Iterations, res.Converged, res.Residual
	if res.Method == lowrank.MethodSketch {
		d := res.Delta
		rep.Delta = &d
	}
	rep.SignsFrom = string(rune(res.SignsFrom))
	rep.HasU = res.U != nil
}

func normalForm(o *options, f *matfile.File, rep *report) ([]safetensors.Tensor, error) {
	s, m, err := load(f)
	if err != nil {
		return nil, err
	}
	n := f.Cols()
	opts := []lowrank.Option{lowrank.WithOversample(o.oversample), lowrank.WithSeed(o.seed)}
	var mask []bool
	if o.mask != "" {
		if mask, err = readMask(o.mask, m, n); err != nil {
			return nil, err
		}
		opts = append(opts, lowrank.WithMask(mask))
	}
	if o.method == "exact" {
		opts = append(opts, lowrank.WithMethod(lowrank.MethodSVD))
	}
	nf, err := lowrank.NormalForm(s, m, n, o.rank, opts...)
	if err != nil {
		return nil, err
	}
	rep.Method = nf.Method.String()
	rep.Rows, rep.Cols, rep.Rank = int64(m), n, nf.Rank
	rep.Sigma = nf.Sigma
	if rep.Sigma == nil {
		rep.Sigma = []float64{}
	}
	rep.NextSigma, rep.Gap, rep.GapTol, rep.Unique = nf.NextSigma, nf.Gap, nf.GapTol, nf.Unique
	var fsq float64 // over the addressable entries
	for i, v := range s {
		if mask == nil || mask[i] {
			fsq += v * v
		}
	}
	rep.FrobSq, rep.TailEnergy, rep.TailLower = fsq, nf.TailEnergy, nf.TailEnergy
	rep.Error = math.Sqrt(nf.TailEnergy)
	if fsq > 0 {
		rep.RelError = rep.Error / math.Sqrt(fsq)
	}
	rep.StableRank = lowrank.StableRank(nf.Sigma)
	rep.Passes, rep.Converged, rep.SignsFrom, rep.HasU = 1, true, "U", true
	mu, ie := nf.Mu, nf.InteractionEnergy
	rep.Mu, rep.Interaction = &mu, &ie
	k := int64(nf.Rank)
	return []safetensors.Tensor{
		safetensors.Float64Tensor("mu", []int64{1}, []float64{nf.Mu}),
		safetensors.Float64Tensor("row_field", []int64{int64(m)}, nf.RowField),
		safetensors.Float64Tensor("col_field", []int64{int64(n)}, nf.ColField),
		safetensors.Float64Tensor("Q", []int64{int64(m), k}, nf.Q),
		safetensors.Float64Tensor("K", []int64{int64(n), k}, nf.K),
		safetensors.Float64Tensor("S", []int64{k}, nf.Sigma),
	}, nil
}

// readMask reads the m×n mask of addressable entries from a .npy of '|u1'
// or '|b1' values, each 0 or 1.
func readMask(path string, m, n int) ([]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-mask: %w", err)
	}
	defer f.Close()
	r, err := npy.NewReader(bufio.NewReader(f), npy.Name(path))
	if err != nil {
		return nil, fmt.Errorf("-mask: %w", err)
	}
	h := r.Header()
	if b := h.Dtype.Base(); b != raw.Uint8 && b != raw.Bool {
		return nil, fmt.Errorf("-mask %s: dtype %q; expected '|u1' or '|b1' (bool), 1 = addressable: %w", path, h.Descr, stream.ErrUnsupported)
	}
	if len(h.Shape) != 2 || h.Shape[0] != int64(m) || h.Shape[1] != int64(n) {
		return nil, fmt.Errorf("-mask %s: shape %s, but the score matrix is %d×%d: %w", path, shapeString(h.Shape), m, n, stream.ErrShape)
	}
	vals := make([]float64, m*n)
	got := 0
	for got < m {
		k, err := r.ReadRows(vals[got*n:])
		got += k
		if err != nil {
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return nil, fmt.Errorf("-mask: %w", err)
		}
	}
	if got != m {
		return nil, fmt.Errorf("-mask %s: %d rows of the %d announced: %w", path, got, m, stream.ErrShape)
	}
	mask := make([]bool, m*n)
	for i, v := range vals {
		switch v {
		case 0:
		case 1:
			mask[i] = true
		default:
			return nil, fmt.Errorf("-mask %s: value %g at row %d, column %d; expected 0 or 1", path, v, i/n+1, i%n+1)
		}
	}
	return mask, nil
}

func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, s := range shape {
		parts[i] = fmt.Sprint(s)
	}
	if len(parts) == 0 {
		return "() (a scalar)"
	}
	return strings.Join(parts, "×")
}

func writeTensors(t *cli.Tool, path string, ts []safetensors.Tensor) error {
	if path == "-" {
		return safetensors.Write(t.Stdout, ts)
	}
	if !strings.HasSuffix(path, ".safetensors") {
		return cli.Usagef("-o %s: the factors are written as safetensors; name the file *.safetensors", path)
	}
	w, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := safetensors.Write(w, ts); err != nil {
		w.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return w.Close()
}

func text(w io.Writer, r *report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "input       %s (%d×%d)\n", r.Input, r.Rows, r.Cols)
	what := "truncation"
	if r.NormalForm {
		what = "normal form"
		fmt.Fprintf(&b, "mu          %.6g   interaction energy %.6g\n", *r.Mu, *r.Interaction)
	}
	fmt.Fprintf(&b, "%-11s rank %d of %d requested, method %s, %d pass(es), %.3fs\n", what, r.Rank, r.Requested, r.Method, r.Passes, r.Seconds)
	fmt.Fprintf(&b, "sigma      ")
	for i, s := range r.Sigma {
		if i == 8 {
			fmt.Fprintf(&b, " … (%d more)", len(r.Sigma)-8)
			break
		}
		fmt.Fprintf(&b, " %.6g", s)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "error       ‖A − A_r‖_F = %.6g (%.4g of ‖A‖_F); optimum ≥ %.6g\n", r.Error, r.RelError, math.Sqrt(r.TailLower))
	uq := "unique"
	if !r.Unique {
		uq = fmt.Sprintf("NOT certified unique (gap ≤ %.0e·σ_1 + the estimates' uncertainty: another A_r may be as good)", r.GapTol)
	}
	fmt.Fprintf(&b, "gap         σ_r − σ_{r+1} = %.6g (σ_{r+1} ≈ %.6g): %s\n", r.Gap, r.NextSigma, uq)
	if r.Delta != nil {
		fmt.Fprintf(&b, "sketch      Δ = %.6g ≥ ‖AᵀA − BᵀB‖₂; each σ_i ≤ √(σ̂_i² + Δ)\n", *r.Delta)
	}
	if r.Iterations > 0 {
		fmt.Fprintf(&b, "iterations  %d, residual %.3g, converged %v\n", r.Iterations, r.Residual, r.Converged)
	}
	if r.Output != "" {
		fmt.Fprintf(&b, "wrote       %s: %s\n", r.Output, strings.Join(r.Tensors, ", "))
	}
	_, err := io.WriteString(w, b.String())
	if err != nil && errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}
