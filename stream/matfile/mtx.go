package matfile

import (
	"io"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/mtx"
)

func openMTX(r io.Reader, f *File) (stream.Reader, error) {
	o := []mtx.Option{mtx.FileName(f.name)}
	if f.c.allowNonFinite {
		o = append(o, mtx.AllowNonFinite())
	}
	if f.c.memoryBudget > 0 {
		o = append(o, mtx.MemoryBudget(f.c.memoryBudget))
	}
	rd, err := mtx.NewReader(r, o...)
	if err != nil {
		return nil, err
	}
	return rd, nil
}

func newMTXWriter(w io.Writer, cols int, c config) (stream.Writer, func() error, error) {
	var o []mtx.Option
	if c.tempDir != "" {
		o = append(o, mtx.TempDir(c.tempDir))
	}
	if c.memoryBudget > 0 {
		o = append(o, mtx.MemoryBudget(c.memoryBudget))
	}
	mw, err := mtx.NewWriter(w, cols, o...)
	if err != nil {
		return nil, nil, err
	}
	return mw, mw.Close, nil
}
