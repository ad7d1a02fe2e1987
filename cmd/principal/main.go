// Command principal selects LIFT's principal weights of weight matrices: the
// K entries of largest magnitude in the rank-r approximation W_r of each
// matrix W (Liu et al., ICML 2025), ties going to the smaller flat index.
//
//	principal -rank r (-lora-rank k | -fraction f | -count K) [-tensor NAME | -all]
//	          [-o mask.npy | -o masks.safetensors] [-json] [-method auto|exact|randomized|gram]
//	          [-mem BYTES] [-seed S] FILE
//
// The budget is one of: -lora-rank k, LIFT's LoRA-equivalent K = min((m+n)·k,
// m·n) per matrix; -fraction f, K = round(f·m·n); -count K. This is the
// paper's rule; the public reference code at HEAD selects the smallest
// entries by mistake and this tool does not.
//
// FILE is a .npy, a .safetensors (the tensor named by -tensor, or its only
// tensor; with -all every 2-D tensor, one mask each), or any matrix file
// linstream reads ("-" is standard input). A matrix that fits -mem (default
// 1 GiB) is loaded and W_r computed in memory (exact SVD when small, the
// Gram route when tall or wide, randomized otherwise); a larger file is
// streamed in O(r·n + K) memory (randomized passes for V_r, then one pass
// selecting from each block of W V_r V_rᵀ).
//
// -o writes the mask: an m×n '|u1' .npy (1 = selected), or with -all (or an
// -o name ending in .safetensors) a safetensors file of U8 masks under the
// tensors' names. The report — per tensor: shape, K, density, the share of
// ‖W‖²_F and of ‖W_r‖²_F the mask holds, whether W_r is unique, the passes
// the residual max‖WᵀW v − σ² v‖/σ_1² and the estimated angle between
// span V_r and the true subspace (≤ 1e-7 unless "converged" is false or
// W_r is not unique; absent when it cannot be estimated), seconds —
// is text, or one JSON object with -json.
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
	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/npy"
	"github.com/linstream/linstream/stream/safetensors"
)

const usage = `-rank r (-lora-rank k | -fraction f | -count K) [-tensor NAME | -all]
       [-o mask.npy | -o masks.safetensors] [-json] [-method auto|exact|randomized|gram]
       [-mem BYTES] [-seed S] [-power q] FILE`

func main() { cli.Main(cli.New("principal"), run) }

type options struct {
	rank, lora, count, power int
	fraction                 float64
	tensor, out, method      string
	all, js                  bool
	mem                      int64
	seed                     uint64
	budget                   lowrank.Budget
}

type tensorReport struct {
	Name         string   `json:"name"`
	Shape        [2]int   `json:"shape"`
	K            int      `json:"k"`
	Density      float64  `json:"density"`
	EnergyShare  float64  `json:"energy_share"`
	LowRankShare float64  `json:"lowrank_share"`
	Threshold    float64  `json:"threshold"`
	Rank         int      `json:"rank"`
	Unique       bool     `json:"unique"`
	Gap          float64  `json:"gap"`
	Method       string   `json:"method"`
	Streamed     bool     `json:"streamed"`
	Passes       int      `json:"passes"`
	Converged    bool     `json:"converged"`
	Residual     float64  `json:"residual"`
	Angle        *float64 `json:"angle,omitempty"`
	Seconds      float64  `json:"seconds"`
}

type report struct {
	Input   string         `json:"input"`
	Rank    int            `json:"rank"`
	Budget  string         `json:"budget"`
	Tensors []tensorReport `json:"tensors"`
	Skipped []string       `json:"skipped,omitempty"`
	Output  string         `json:"output,omitempty"`
	Seconds float64        `json:"seconds"`
}

func run(t *cli.Tool, args []string) error {
	var o options
	fs := t.FlagSet(usage)
	fs.IntVar(&o.rank, "rank", 0, "rank r of the approximation W_r (required)")
	fs.IntVar(&o.lora, "lora-rank", 0, "budget: LoRA-equivalent K = min((m+n)·k, m·n)")
	fs.Float64Var(&o.fraction, "fraction", 0, "budget: K = round(f·m·n), 0 < f ≤ 1")
	fs.IntVar(&o.count, "count", -1, "budget: K entries")
	fs.StringVar(&o.tensor, "tensor", "", "safetensors: the tensor to read (default: the only one)")
	fs.BoolVar(&o.all, "all", false, "safetensors: every 2-D tensor, one mask each")
	fs.StringVar(&o.out, "o", "", "write the mask to `file` (.npy, or .safetensors; - for standard output)")
	fs.BoolVar(&o.js, "json", false, "print one JSON object")
	fs.StringVar(&o.method, "method", "auto", "auto, exact, randomized or gram")
	fs.Int64Var(&o.mem, "mem", 1<<30, "load matrices up to `bytes` into memory; stream larger ones")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the randomized route")
	fs.IntVar(&o.power, "power", -1, "randomized: power steps q; -1 chooses adaptively")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if o.rank < 1 {
		return cli.Usagef("-rank %d: expected a rank ≥ 1", o.rank)
	}
	set := 0
	if o.lora != 0 {
		set++
		o.budget = lowrank.LoRABudget(o.lora)
	}
	if o.fraction != 0 {
		set++
		o.budget = lowrank.FractionBudget(o.fraction)
	}
	if o.count != -1 {
		set++
		o.budget = lowrank.CountBudget(o.count)
	}
	if set != 1 {
		return cli.Usagef("give exactly one budget: -lora-rank k, -fraction f or -count K")
	}
	if _, err := o.budget.Count(1, 1); err != nil {
		return cli.Usagef("budget %v: %v", o.budget, err)
	}
	switch o.method {
	case "auto", "exact", "randomized", "gram":
	default:
		return cli.Usagef("-method %q: expected auto, exact, randomized or gram", o.method)
	}
	if o.power < -1 {
		return cli.Usagef("-power %d: expected ≥ 0, or -1 for adaptive", o.power)
	}
	if o.mem < 0 {
		return cli.Usagef("-mem %d: expected a number of bytes", o.mem)
	}
	if fs.NArg() != 1 {
		return cli.Usagef("expected one FILE (got %d operands)", fs.NArg())
	}
	if o.all && o.tensor != "" {
		return cli.Usagef("-all and -tensor exclude each other")
	}
	path := fs.Arg(0)
	if o.all && (path == "-" || !strings.HasSuffix(strings.ToLower(path), ".safetensors")) {
		return cli.Usagef("-all reads every tensor of a .safetensors file on disk")
	}
	if o.all && o.out != "" && o.out != "-" && !strings.HasSuffix(o.out, ".safetensors") {
		return cli.Usagef("-all writes one mask per tensor: name the output *.safetensors")
	}
	if o.out == "-" {
		if err := cli.RefuseBinaryToTerminal(t.Stdout); err != nil {
			return err
		}
	}
	start := time.Now()
	rep := &report{Input: path, Rank: o.rank, Budget: o.budget.String(), Tensors: []tensorReport{}}
	var masks []safetensors.Tensor
	var single *lowrank.PrincipalResult
	if o.all {
		var err error
		masks, err = runAll(&o, path, rep)
		if err != nil {
			return err
		}
	} else {
		mopts := []matfile.Option{matfile.Stdin(t.Stdin)}
		if o.tensor != "" {
			mopts = append(mopts, matfile.Tensor(o.tensor))
		}
		f, err := matfile.Open(path, mopts...)
		if err != nil {
			return err
		}
		defer f.Close()
		name := o.tensor
		if name == "" {
			name = "mask"
		}
		p, tr, err := selectOne(&o, f, f.Rows(), name)
		if err != nil {
			return err
		}
		rep.Tensors = append(rep.Tensors, *tr)
		single = p
		masks = []safetensors.Tensor{safetensors.Uint8Tensor(name, []int64{int64(p.Rows), int64(p.Cols)}, p.MaskBytes(nil))}
	}
	rep.Seconds = time.Since(start).Seconds()
	out := t.Stdout
	if o.out != "" {
		rep.Output = o.out
		if err := writeMasks(t, &o, single, masks); err != nil {
			return err
		}
		if o.out == "-" {
			out = t.Stderr
		}
	}
	if o.js {
		return (&cli.Tool{Stdout: out}).JSON(rep)
	}
	return text(out, rep)
}

// selectOne computes one mask from src (rows may be -1 if unknown).
func selectOne(o *options, src stream.Reader, rows int64, name string) (*lowrank.PrincipalResult, *tensorReport, error) {
	start := time.Now()
	d := src.Cols()
	opts := []lowrank.Option{lowrank.WithSeed(o.seed)}
	if o.power >= 0 {
		opts = append(opts, lowrank.WithPowerIters(o.power))
	}
	rw, rewind := src.(stream.Rewinder)
	if f, ok := src.(*matfile.File); ok && rewind {
		rewind = f.Rewind() == nil
	}
	fits := rows >= 0 && rows*int64(d)*8 <= o.mem
	streamed := rewind && !fits && o.method != "exact"
	var p *lowrank.PrincipalResult
	var err error
	if streamed {
		if o.method == "gram" {
			opts = append(opts, lowrank.WithMethod(lowrank.MethodGram))
		}
		p, err = lowrank.PrincipalWeightsStream(rw, o.rank, o.budget, opts...)
	} else {
		var a []float64
		var nr int
		a, nr, err = load(src, rows)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if nr == 0 {
			return nil, nil, fmt.Errorf("%s: no rows: %w", name, stream.ErrEmpty)
		}
		switch o.method {
		case "exact":
			m := lowrank.MethodSVD
			if small := min(nr, d); float64(small)*float64(small)*float64(max(nr, d)) > 1<<27 && 2*o.rank < small {
				m = lowrank.MethodGram
			}
			opts = append(opts, lowrank.WithMethod(m), lowrank.WithTol(1e-12))
		case "randomized":
			opts = append(opts, lowrank.WithMethod(lowrank.MethodRandomized))
		case "gram":
			opts = append(opts, lowrank.WithMethod(lowrank.MethodGram))
		}
		p, err = lowrank.PrincipalWeights(a, nr, d, o.rank, o.budget, opts...)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	tr := &tensorReport{
		Name: name, Shape: [2]int{p.Rows, p.Cols}, K: p.K, Density: p.Density,
		EnergyShare: p.EnergyShare, LowRankShare: p.LowRankShare, Threshold: p.Threshold,
		Rank: p.Truncation.Rank, Unique: p.Truncation.Unique, Gap: p.Truncation.Gap,
		Method: p.Truncation.Method.String(), Streamed: streamed, Passes: p.Truncation.Passes,
		Converged: p.Truncation.Converged, Residual: p.Truncation.Residual,
		Seconds: time.Since(start).Seconds(),
	}
	if a := p.Truncation.Angle; !math.IsInf(a, 0) {
		tr.Angle = &a
	}
	return p, tr, nil
}

// load reads src into memory: straight into one slice of the announced
// size when rows ≥ 0 (a 4096×4096 .npy loads in a third of the time the
// growing copy took), through a growing slice otherwise. It returns the
// row-major data and the number of rows; a file with fewer or more rows than
// it announced is an error wrapping stream.ErrShape.
func load(src stream.Reader, rows int64) ([]float64, int, error) {
	d := src.Cols()
	if rows < 0 || rows*int64(d) > math.MaxInt/8 {
		w := stream.NewSliceWriter(d)
		if _, err := stream.Copy(w, src); err != nil {
			return nil, 0, err
		}
		return w.Data(), w.Rows(), nil
	}
	a := make([]float64, int(rows)*d)
	got := 0
	for got < int(rows) {
		n, err := src.ReadRows(a[got*d:])
		got += n
		if err != nil {
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return nil, 0, err
		}
	}
	if got < int(rows) {
		return nil, 0, fmt.Errorf("%d rows, announced %d: %w", got, rows, stream.ErrShape)
	}
	if d > 0 {
		n, err := src.ReadRows(make([]float64, d))
		if n > 0 {
			return nil, 0, fmt.Errorf("more rows than the %d announced: %w", rows, stream.ErrShape)
		}
		if err != nil && !(errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)) {
			return nil, 0, err
		}
	}
	return a, got, nil
}

func runAll(o *options, path string, rep *report) ([]safetensors.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sf, err := safetensors.Open(f, st.Size(), safetensors.Name(path))
	if err != nil {
		return nil, err
	}
	var masks []safetensors.Tensor
	for _, info := range sf.Tensors() {
		if len(info.Shape) != 2 || !info.Readable() || info.Rows() == 0 || info.Cols() == 0 {
			rep.Skipped = append(rep.Skipped, info.Name)
			continue
		}
		r, err := sf.Reader(info.Name)
		if err != nil {
			return nil, err
		}
		p, tr, err := selectOne(o, r, info.Rows(), info.Name)
		if err != nil {
			return nil, err
		}
		rep.Tensors = append(rep.Tensors, *tr)
		masks = append(masks, safetensors.Uint8Tensor(info.Name, []int64{int64(p.Rows), int64(p.Cols)}, p.MaskBytes(nil)))
	}
	if len(masks) == 0 {
		return nil, fmt.Errorf("%s holds no readable 2-D tensor: %w", path, stream.ErrEmpty)
	}
	return masks, nil
}

func writeMasks(t *cli.Tool, o *options, single *lowrank.PrincipalResult, masks []safetensors.Tensor) error {
	asST := o.all || strings.HasSuffix(o.out, ".safetensors")
	var w io.Writer = t.Stdout
	var file *os.File
	if o.out != "-" {
		if !asST && !strings.HasSuffix(o.out, ".npy") {
			return cli.Usagef("-o %s: the mask is written as .npy or .safetensors", o.out)
		}
		var err error
		if file, err = os.Create(o.out); err != nil {
			return err
		}
		w = file
	}
	var err error
	if asST {
		err = safetensors.Write(w, masks)
	} else {
		err = npy.WriteUint8(w, single.Rows, single.Cols, masks[0].Data)
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	return nil
}

func text(w io.Writer, r *report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "input %s, rank %d, budget %s\n", r.Input, r.Rank, r.Budget)
	for _, t := range r.Tensors {
		uq := ""
		if !t.Unique {
			uq = "  (W_r not certified unique: σ_r ≈ σ_{r+1} within tolerance)"
		}
		if !t.Converged {
			uq += "  (V_r not converged: entries near the threshold may be off)"
		}
		fmt.Fprintf(&b, "%-24s %d×%d  K %d  density %.4f  share of ‖W‖² %.4f  of ‖W_r‖² %.4f  %s%s  %.3fs%s\n",
			t.Name, t.Shape[0], t.Shape[1], t.K, t.Density, t.EnergyShare, t.LowRankShare,
			t.Method, map[bool]string{true: " streamed", false: ""}[t.Streamed], t.Seconds, uq)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "%-24s skipped (not a readable 2-D tensor)\n", s)
	}
	if r.Output != "" {
		fmt.Fprintf(&b, "wrote %s\n", r.Output)
	}
	_, err := io.WriteString(w, b.String())
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}
