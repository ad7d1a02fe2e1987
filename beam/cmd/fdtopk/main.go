// Command fdtopk is an example Beam pipeline: matrix files → Frequent
// Directions sketch → the top-k right singular vectors, written as a k×d
// .npy file, with the sketch's error bound printed to the log.
//
//	go run ./cmd/fdtopk -input 'data/part-*.npy.zst' -ell 64 -k 10 -output v.npy
//
// It runs on the in-process Prism runner by default; see README.md for
// Flink, Spark and Dataflow.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/linstream/linstream/beam/topk"
)

func main() {
	input := flag.String("input", "", "glob of matrix files (any format and compression linstream reads)")
	output := flag.String("output", "topk.npy", "where the k×d matrix of right singular vectors goes (.npy)")
	ell := flag.Int("ell", 64, "rows of the Frequent Directions sketch")
	k := flag.Int("k", 10, "singular vectors to write (k < ell)")
	blockRows := flag.Int("block-rows", 1024, "rows per element")
	flag.Parse()
	beam.Init()
	if *input == "" || *k < 1 || *k >= *ell {
		fmt.Fprintln(os.Stderr, "usage: fdtopk -input GLOB [-output v.npy] [-ell L] [-k K] (1 ≤ K < L)")
		os.Exit(2)
	}
	p, s := beam.NewPipelineWithRoot()
	topk.Pipeline(s, *input, *output, *ell, *k, *blockRows)
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Fatalf("fdtopk: %v", err)
	}
}
