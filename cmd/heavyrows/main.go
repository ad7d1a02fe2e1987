// Command heavyrows lists the heavy rows of a matrix streamed from a file or
// standard input: every row whose squared norm is at least τ·‖A‖²_F
// (package sketch, HeavyRows), in one pass and O(d/τ) memory.
//
//	heavyrows -tau T [-capacity C] [-json] [FILE]
//
// It prints one line per heavy row, in stream order: the 0-based row index,
// its squared norm ‖a‖² and its share ‖a‖²/‖A‖²_F, tab-separated under a
// header line; a summary (rows, ‖A‖²_F, the threshold) goes to standard
// error. -json prints one JSON object with the summary and the rows.
// -capacity C keeps only the C heaviest; the threshold reported is then the
// squared norm above which every row is guaranteed listed.
package main

import (
	"bufio"
	"fmt"

	"github.com/linstream/linstream/internal/cli"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

const usage = `-tau T [-capacity C] [-json] [FILE]`

func main() { cli.Main(cli.New("heavyrows"), run) }

type heavy struct {
	Index int64   `json:"index"`
	Norm2 float64 `json:"norm2"`
	Share float64 `json:"share"`
}

type report struct {
	Input      string  `json:"input"`
	Rows       int64   `json:"rows"`
	Cols       int     `json:"cols"`
	Tau        float64 `json:"tau"`
	Frobenius2 float64 `json:"frobenius2"`
	Threshold  float64 `json:"threshold"`
	Capacity   int     `json:"capacity"`
	Heavy      []heavy `json:"heavy"`
}

func run(t *cli.Tool, args []string) error {
	fs := t.FlagSet(usage)
	tau := fs.Float64("tau", 0, "threshold fraction τ, 0 < τ ≤ 1: list rows with ‖a‖² ≥ τ·‖A‖²_F")
	capacity := fs.Int("capacity", 0, "keep at most `C` rows (the heaviest)")
	js := fs.Bool("json", false, "print one JSON object")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if !(*tau > 0 && *tau <= 1) {
		return cli.Usagef("-tau %v: expected 0 < τ ≤ 1", *tau)
	}
	if *capacity < 0 {
		return cli.Usagef("-capacity %d: expected a positive count", *capacity)
	}
	if fs.NArg() > 1 {
		return cli.Usagef("one FILE at most (got %d operands)", fs.NArg())
	}
	path := "-"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	var opts []sketch.Option
	if *capacity > 0 {
		opts = append(opts, sketch.WithCapacity(*capacity))
	}
	f, err := matfile.Open(path, matfile.Stdin(t.Stdin))
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := sketch.NewHeavyRows(f.Cols(), *tau, opts...)
	if err != nil {
		return cli.Usagef("%v", err)
	}
	if _, err := stream.Copy(h, f); err != nil {
		return err
	}
	rep := report{Input: f.Name(), Rows: h.Seen(), Cols: h.Cols(), Tau: *tau, Frobenius2: h.Frobenius2(),
		Threshold: h.Threshold(), Capacity: h.Capacity(), Heavy: []heavy{}}
	for r := range h.Rows() {
		rep.Heavy = append(rep.Heavy, heavy{Index: r.Index, Norm2: r.Norm2, Share: r.Norm2 / h.Frobenius2()})
	}
	if *js {
		return t.JSON(rep)
	}
	fmt.Fprintf(t.Stderr, "heavyrows: %s: %d rows of %d columns, ‖A‖²_F = %.6g, %d rows with ‖a‖² ≥ %.6g (τ = %g)\n",
		rep.Input, rep.Rows, rep.Cols, rep.Frobenius2, len(rep.Heavy), rep.Threshold, rep.Tau)
	w := bufio.NewWriter(t.Stdout)
	fmt.Fprintf(w, "index\tnorm2\tshare\n")
	for _, r := range rep.Heavy {
		fmt.Fprintf(w, "%d\t%.17g\t%.6g\n", r.Index, r.Norm2, r.Share)
	}
	return w.Flush()
}
