// Package topk is the example pipeline of the beam module as a reusable
// transform: matrix files → Frequent Directions sketch → the top-k right
// singular vectors written as a k×d .npy file.
package topk

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/linstream/linstream/beam/combine"
	"github.com/linstream/linstream/beam/rows"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream/npy"
)

func init() {
	register.Function3x1[context.Context, writeSpec, *sketch.FrequentDirections, error](write)
	beam.RegisterType(reflect.TypeOf((*writeSpec)(nil)).Elem())
}

// Pipeline adds to s: read the files of glob, sketch them with an ell-row
// Frequent Directions sketch, and write its k leading right singular vectors
// to output as a k×d .npy file (any path Beam's filesystems accept).
// It returns the PCollection holding the sketch.
func Pipeline(s beam.Scope, glob, output string, ell, k, blockRows int) beam.PCollection {
	blocks := rows.Read(s, glob, blockRows)
	fd := combine.FrequentDirections(s, blocks, ell)
	beam.ParDo0(s, write, beam.Create(s, writeSpec{Path: output, K: k}), beam.SideInput{Input: fd})
	return fd
}

type writeSpec struct {
	Path string
	K    int
}

func write(ctx context.Context, spec writeSpec, fd *sketch.FrequentDirections) error {
	if fd == nil {
		return fmt.Errorf("topk: no rows were read")
	}
	top := fd.TopK(spec.K)
	fs, err := filesystem.New(ctx, spec.Path)
	if err != nil {
		return err
	}
	defer fs.Close()
	f, err := fs.OpenWrite(ctx, spec.Path)
	if err != nil {
		return err
	}
	w, err := npy.NewWriter(f, top.Cols, npy.KnownRows(int64(top.K)))
	if err != nil {
		f.Close()
		return err
	}
	if _, err := w.WriteRows(top.Vectors); err != nil {
		f.Close()
		return err
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	slog.Info("topk: wrote right singular vectors", "path", spec.Path, "k", top.K, "rows", top.Rows,
		"delta", top.Delta, "values", top.Values)
	return f.Close()
}
