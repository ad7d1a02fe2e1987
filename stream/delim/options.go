package delim

import (
	"fmt"
	"github.com/linstream/linstream/stream"
)

// Option configures a Reader or a Writer. Options are validated when
// NewReader or NewWriter applies them; an invalid option makes the
// constructor return an error and nothing is read or written.
type Option func(*config) error

// headerAuto marks the default header mode: the first data line is a header
// when none of its fields is a number.
const headerAuto = -1

// defaultMaxLine is the longest line accepted by default (64 MiB).
const defaultMaxLine = 64 << 20

type config struct {
	sep       byte
	comment   byte
	header    int // lines to skip, or headerAuto
	columns   []int
	drop      []int
	allowNF   bool
	file      string
	maxLine   int
	names     []string
	readerOpt string // name of a reader-only option, to reject it in NewWriter
	writerOpt string // name of a writer-only option, to reject it in NewReader
}

func defaultConfig() config {
	return config{sep: ',', comment: '#', header: headerAuto, maxLine: defaultMaxLine}
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
	if c.columns != nil && c.drop != nil {
		return fmt.Errorf("delim: Columns and DropColumns are mutually exclusive: %w", stream.ErrInvalidOption)
	}
	if c.sep == c.comment {
		return fmt.Errorf("delim: separator and comment character are both %q: %w", c.sep, stream.ErrInvalidOption)
	}
	return nil
}

// Separator sets the byte between fields: ',' (the default) for CSV, '\t'
// for TSV, or another punctuation byte such as ';' or '|'. It must not be a
// digit, a letter, '.', '+', '-', '"', a space or a line break. Every
// separator byte ends exactly one field (runs of separators make empty
// fields, which are not numbers).
func Separator(sep byte) Option {
	return func(c *config) error {
		switch {
		case sep >= '0' && sep <= '9', sep >= 'a' && sep <= 'z', sep >= 'A' && sep <= 'Z',
			sep == '.', sep == '+', sep == '-', sep == '"', sep == ' ', sep == '\n', sep == '\r',
			sep == 0, sep >= 0x80:
			return fmt.Errorf("delim: %q cannot be a field separator: %w", sep, stream.ErrInvalidOption)
		}
		c.sep = sep
		return nil
	}
}

// Comment sets the byte that starts a comment line (default '#'): a line
// whose first non-blank byte is it is skipped. Comment(0) turns comment
// lines off. Only whole lines are comments; a '#' after data is a field
// error.
func Comment(ch byte) Option {
	return func(c *config) error {
		if ch == '"' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t' || (ch >= '0' && ch <= '9') ||
			ch == '.' || ch == '+' || ch == '-' {
			return fmt.Errorf("delim: %q cannot start a comment: %w", ch, stream.ErrInvalidOption)
		}
		c.comment = ch
		return nil
	}
}

// Header sets the number of header lines to skip before the data (blank
// and comment lines are not counted). Header(0) means there is no header:
// the first line is data and any non-numeric field in it is an error.
// Without this option the Reader decides from the first line: it is a
// header when none of its fields parses as a number (so a data line with
// one typo is still reported as an error, never silently dropped).
func Header(lines int) Option {
	return func(c *config) error {
		if lines < 0 {
			return fmt.Errorf("delim: Header(%d): negative line count: %w", lines, stream.ErrInvalidOption)
		}
		c.header = lines
		c.readerOpt = "Header"
		return nil
	}
}

// Columns selects the fields to read, by 0-based field index; a negative
// index counts from the end (-1 is the last field). The Reader's row has
// len(idx) columns in the order given. Indices must be distinct and within
// the line's field count, which NewReader checks against the first data
// line. The slice is copied.
func Columns(idx []int) Option {
	return func(c *config) error {
		if len(idx) == 0 {
			return fmt.Errorf("delim: Columns with no columns: %w", stream.ErrInvalidOption)
		}
		c.columns = append([]int(nil), idx...)
		c.readerOpt = "Columns"
		return nil
	}
}

// DropColumns skips the given fields (0-based; negative counts from the
// end, so DropColumns([]int{-1}) drops a trailing label column). Dropped
// fields are not parsed and may hold anything. The slice is copied.
func DropColumns(idx []int) Option {
	return func(c *config) error {
		c.drop = append([]int{}, idx...)
		c.readerOpt = "DropColumns"
		return nil
	}
}

// AllowNonFinite accepts NaN, Inf, -Inf (and values that overflow float64,
// read as ±Inf). By default they are errors wrapping stream.ErrNonFinite.
func AllowNonFinite() Option {
	return func(c *config) error {
		c.allowNF = true
		c.readerOpt = "AllowNonFinite"
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

// MaxLineBytes bounds the length of one line (default 64 MiB); a longer
// line is an error wrapping stream.ErrTooLarge. The Reader's buffer grows
// to the longest line seen, never beyond this.
func MaxLineBytes(n int) Option {
	return func(c *config) error {
		if n < 16 {
			return fmt.Errorf("delim: MaxLineBytes(%d) is too small: %w", n, stream.ErrInvalidOption)
		}
		c.maxLine = n
		c.readerOpt = "MaxLineBytes"
		return nil
	}
}

// HeaderNames makes the Writer start with a header line of these column
// names (quoted when they contain the separator, a quote or a line break).
// There must be one name per column. A Reader detects such a header by
// itself only when no name looks like a number; read a file with names like
// "0,1,2" or "x,1" back with Header(1).
func HeaderNames(names []string) Option {
	return func(c *config) error {
		c.names = append([]string{}, names...)
		c.writerOpt = "HeaderNames"
		return nil
	}
}
