package mtx

import (
	"fmt"
	"github.com/linstream/linstream/stream"
)

// DefaultMemoryBudget is the default bound on the memory a Reader or Writer
// may use to hold a matrix it cannot stream (1 GiB).
const DefaultMemoryBudget = 1 << 30

// Option configures a Reader or a Writer; options are validated by NewReader
// and NewWriter.
type Option func(*config) error

// DefaultLookahead is how many coordinate entries a Reader reads before it
// decides a general file is row-sorted and starts streaming.
const DefaultLookahead = 1 << 20

type config struct {
	lookahead int64
	budget    int64
	allowNF   bool
	sumDup    bool
	file      string
	array     bool
	tempDir   string
	readerOpt string
	writerOpt string
}

func defaultConfig() config {
	return config{budget: DefaultMemoryBudget, lookahead: DefaultLookahead}
}

func (c *config) apply(opts []Option) error {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return err
		}
	}
	return nil
}

// MemoryBudget bounds, in bytes, what a Reader holds in memory for a file
// it cannot stream row by row (an array file, a symmetric or unsorted
// coordinate file), and what an array Writer holds before Close. Beyond it
// the Reader or Writer returns an error wrapping stream.ErrTooLarge. The
// default is DefaultMemoryBudget.
func MemoryBudget(bytes int64) Option {
	return func(c *config) error {
		if bytes < 1 {
			return fmt.Errorf("mtx: MemoryBudget(%d) must be positive: %w", bytes, stream.ErrInvalidOption)
		}
		c.budget = bytes
		return nil
	}
}

// Lookahead sets how many entries of a general coordinate file the Reader
// reads (and holds) before it decides from their order whether the file is
// row-sorted and can stream (see Reader); the MemoryBudget still caps it.
// A larger value accepts more unsorted files at the cost of memory; the
// default is DefaultLookahead.
func Lookahead(entries int64) Option {
	return func(c *config) error {
		if entries < 1 {
			return fmt.Errorf("mtx: Lookahead(%d) must be positive: %w", entries, stream.ErrInvalidOption)
		}
		c.lookahead = entries
		c.readerOpt = "Lookahead"
		return nil
	}
}

// AllowNonFinite accepts NaN and ±Inf values; by default they are errors
// wrapping stream.ErrNonFinite.
func AllowNonFinite() Option {
	return func(c *config) error {
		c.allowNF = true
		c.readerOpt = "AllowNonFinite"
		return nil
	}
}

// SumDuplicates makes a Reader add up coordinate entries that name the
// same position (as scipy's coo_matrix does). By default a duplicate entry
// is an error wrapping stream.ErrFormat.
func SumDuplicates() Option {
	return func(c *config) error {
		c.sumDup = true
		c.readerOpt = "SumDuplicates"
		return nil
	}
}

// FileName sets the file name reported in errors.
func FileName(name string) Option {
	return func(c *config) error {
		c.file = name
		return nil
	}
}

// ArrayFormat makes a Writer write the dense "array" format (column-major,
// so the Writer holds the matrix in memory, up to the MemoryBudget, until
// Close). The default is "coordinate", which streams.
func ArrayFormat() Option {
	return func(c *config) error {
		c.array = true
		c.writerOpt = "ArrayFormat"
		return nil
	}
}

// TempDir sets the directory where a coordinate Writer spools entries
// larger than 8 MiB until Close (default os.TempDir()).
func TempDir(dir string) Option {
	return func(c *config) error {
		c.tempDir = dir
		c.writerOpt = "TempDir"
		return nil
	}
}
