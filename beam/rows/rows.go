// Package rows turns matrix files into a Beam PCollection of row blocks that
// carry their global row indices, so that position-dependent sketches
// (CountSketch, NormSampler, HeavyRows) compute exactly their part of the
// whole-matrix sketch on any worker.
//
// The matrix is the files of a glob stacked in lexical order of their paths.
// Each file is opened with linstream's matfile, so every format and
// compression it reads (.npy, .csv, .tsv, .mtx, .safetensors, raw; zstd,
// gzip, s2, snappy, bzip2) works here too.
package rows

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths; import others (gcs, s3) beside it
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

// Block is a run of consecutive rows of the stacked matrix.
type Block struct {
	Start int64     // global index of the first row
	Cols  int       // columns of every row
	Data  []float64 // row-major, len(Data) = rows·Cols
}

// Len returns the number of rows in b.
func (b Block) Len() int {
	if b.Cols == 0 {
		return 0
	}
	return len(b.Data) / b.Cols
}

// FileRows is the row count of one file, the element of the counting stage.
type FileRows struct {
	Path string
	Rows int64
	Cols int
}

// DefaultBlockRows is the number of rows per emitted Block.
const DefaultBlockRows = 1024

func init() {
	beam.RegisterType(reflect.TypeOf((*Block)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*FileRows)(nil)).Elem())
	register.DoFn3x1[context.Context, fileio.ReadableFile, func(FileRows), error](&countFn{})
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(*FileRows) bool, func(Block), error](&readFn{})
	register.Emitter1[FileRows]()
	register.Emitter1[Block]()
	register.Iter1[*FileRows]()
}

// Read returns the rows of the files matching glob as a PCollection of Block,
// each at most blockRows rows (DefaultBlockRows if blockRows ≤ 0), with
// global row indices of the files stacked in lexical path order. Every file
// must have the same number of columns, or the pipeline fails with an error
// naming the file. Files are read twice: once to count rows (formats whose
// header gives the count, like .npy, are not decoded), once to emit blocks.
func Read(s beam.Scope, glob string, blockRows int) beam.PCollection {
	s = s.Scope("linstream.rows.Read")
	if blockRows <= 0 {
		blockRows = DefaultBlockRows
	}
	files := fileio.ReadMatches(s, fileio.MatchFiles(s, glob), fileio.ReadUncompressed())
	counts := beam.ParDo(s, &countFn{}, files)
	return beam.ParDo(s, &readFn{BlockRows: blockRows}, files, beam.SideInput{Input: counts})
}

// open opens f with matfile, which detects compression and format itself.
func open(ctx context.Context, f fileio.ReadableFile) (*matfile.File, io.Closer, error) {
	rc, err := f.Open(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("rows: open %s: %w", f.Metadata.Path, err)
	}
	mf, err := matfile.NewReader(rc, f.Metadata.Path)
	if err != nil {
		rc.Close()
		return nil, nil, err
	}
	return mf, rc, nil
}

type countFn struct{}

func (countFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(FileRows)) error {
	mf, rc, err := open(ctx, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	defer mf.Close()
	n := mf.Rows()
	if n < 0 {
		if n, err = stream.Copy(stream.Discard(mf.Cols()), mf); err != nil {
			return err
		}
	}
	emit(FileRows{Path: f.Metadata.Path, Rows: n, Cols: mf.Cols()})
	return nil
}

type readFn struct {
	BlockRows int
}

func (fn *readFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, counts func(*FileRows) bool, emit func(Block)) error {
	var all []FileRows
	var c FileRows
	for counts(&c) {
		all = append(all, c)
	}
	start, cols, err := offset(all, f.Metadata.Path)
	if err != nil {
		return err
	}
	mf, rc, err := open(ctx, f)
	if err != nil {
		return err
	}
	defer rc.Close()
	defer mf.Close()
	if mf.Cols() != cols {
		return fmt.Errorf("rows: %s has %d columns, the other files %d: %w", f.Metadata.Path, mf.Cols(), cols, stream.ErrShape)
	}
	for {
		buf := make([]float64, fn.BlockRows*cols) // emitted blocks belong to the runner
		n, err := mf.ReadRows(buf)
		if n > 0 {
			emit(Block{Start: start, Cols: cols, Data: buf[:n*cols]})
			start += int64(n)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// offset returns the global index of path's first row and the common column
// count, from the row counts of every file.
func offset(all []FileRows, path string) (int64, int, error) {
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	var start int64
	cols, found := 0, false
	for _, c := range all {
		if cols == 0 {
			cols = c.Cols
		} else if c.Cols != cols {
			return 0, 0, fmt.Errorf("rows: %s has %d columns, %s has %d: %w", all[0].Path, cols, c.Path, c.Cols, stream.ErrShape)
		}
		if c.Path == path {
			found = true
		}
		if c.Path < path {
			start += c.Rows
		}
	}
	if !found {
		return 0, 0, fmt.Errorf("rows: no row count for %s", path)
	}
	return start, cols, nil
}
