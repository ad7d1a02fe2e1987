// Package matfile opens and creates matrix files of any format linstream
// reads, compressed or not, as row streams.
//
// [Open] detects the compression from the first bytes (zstd, gzip, s2 and
// snappy framing, bzip2) and the format from its signature (the .npy magic,
// a safetensors header, the Matrix Market banner) or, failing that, from the
// file name's extension once compression extensions are stripped (.csv,
// .tsv, .txt, .mtx, .npy, .safetensors, and .raw/.f64/.f32 for headerless
// floats, which need the Cols option). "-" is standard input. An
// uncompressed .npy, raw or safetensors file on disk is read through ReadAt
// (pread, or a memory map with the Mmap option), so its reader (File.Source)
// is a stream.RowReaderAt and stream.Rewinder and can be shuffled with no
// spill.
//
// When such a file holds little-endian float64 rows in place (.npy '<f8'
// in C order, raw float64, safetensors F64) at an 8-byte aligned offset,
// File's own sequential reads go through a read-only memory map of it
// (unix; not under the purego build tag, and not with the Pread option):
// File.WriteTo — which stream.Copy calls — hands the Writer slices of the
// mapping with no copy, and ReadRows copies out of it without a system
// call. Pages behind the read position are released as the reads advance,
// so the map adds a couple of megabytes to the resident set whatever the
// file's size. If the file is truncated while mapped, the read fails with
// an error instead of the SIGBUS crashing the process.
//
// [Create] picks format and compression from the name ("a.npy.zst",
// "b.csv.gz", "c.raw.s2", "d.safetensors") or from the Format and
// Compression options ("-", standard output, needs Format).
//
// Every error about the data is a *stream.DataError naming the file (and,
// from the format readers, the row, line, column and byte offset of the
// decompressed input); a corrupt compressed stream is reported with the
// codec's error, the compressed byte offset, and wraps stream.ErrFormat.
package matfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/linstream/linstream/stream/raw"
)

// Format names a matrix file format.
type Format string

// Formats.
const (
	NPY         Format = "npy"
	Safetensors Format = "safetensors"
	CSV         Format = "csv"
	TSV         Format = "tsv"
	MTX         Format = "mtx"
	Raw         Format = "raw"
)

// Formats lists the formats Open and Create know.
var Formats = []Format{NPY, Safetensors, CSV, TSV, MTX, Raw}

// Compression names a compression codec.
type Compression string

// Compressions.
const (
	None   Compression = "none"
	Zstd   Compression = "zstd"
	Gzip   Compression = "gzip"
	S2     Compression = "s2"
	Snappy Compression = "snappy"
	Bzip2  Compression = "bzip2" // read only: the standard library has no encoder
)

// Compressions lists the codecs Open detects.
var Compressions = []Compression{None, Zstd, Gzip, S2, Snappy, Bzip2}

// ParseFormat returns the Format called s ("npy", "csv", …).
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("matfile: unknown format %q; expected one of npy, safetensors, csv, tsv, mtx, raw", s)
}

// ParseCompression returns the Compression called s ("zstd", "gz", …).
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "none", "":
		return None, nil
	case "zstd", "zst":
		return Zstd, nil
	case "gzip", "gz":
		return Gzip, nil
	case "s2":
		return S2, nil
	case "snappy", "sz":
		return Snappy, nil
	case "bzip2", "bz2":
		return Bzip2, nil
	}
	return "", fmt.Errorf("matfile: unknown compression %q; expected zstd, gzip, s2, snappy, bzip2 or none", s)
}

var compressionExts = map[string]Compression{
	".zst": Zstd, ".zstd": Zstd, ".gz": Gzip, ".gzip": Gzip, ".s2": S2,
	".sz": Snappy, ".snappy": Snappy, ".bz2": Bzip2,
}

var formatExts = map[string]Format{
	".npy": NPY, ".safetensors": Safetensors, ".csv": CSV, ".tsv": TSV, ".tab": TSV,
	".txt": CSV, ".mtx": MTX, ".mm": MTX, ".raw": Raw, ".f64": Raw, ".f32": Raw, ".bin": Raw,
}

// FromName returns the format and compression a file name implies
// ("x.npy.zst" → NPY, Zstd). Unknown parts come back as "".
func FromName(name string) (Format, Compression) {
	base := strings.ToLower(filepath.Base(name))
	c := None
	if ext := filepath.Ext(base); compressionExts[ext] != "" {
		c = compressionExts[ext]
		base = strings.TrimSuffix(base, ext)
	}
	return formatExts[filepath.Ext(base)], c
}

// rawDtypeFromName returns Float32 for ".f32" names.
func rawDtypeFromName(name string) raw.Dtype {
	base := strings.ToLower(filepath.Base(name))
	if ext := filepath.Ext(base); compressionExts[ext] != "" {
		base = strings.TrimSuffix(base, ext)
	}
	if filepath.Ext(base) == ".f32" {
		return raw.Float32
	}
	return raw.Float64
}

// Option configures Open and Create.
type Option func(*config)

type config struct {
	format         Format
	compression    Compression
	cols           int
	dtype          raw.Dtype
	tensor         string
	allowNonFinite bool
	fortranBudget  int64
	memoryBudget   int64
	rows           int64
	float32        bool
	mmap           bool
	pread          bool
	stdin          io.Reader
	stdout         io.Writer
	tempDir        string
	level          int
	delimColumns   []int
	dropColumns    []int
}

func newConfig(opts []Option) config {
	c := config{rows: -1, stdin: os.Stdin, stdout: os.Stdout}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithFormat fixes the format instead of detecting it (Open) or taking it
// from the name (Create).
func WithFormat(f Format) Option { return func(c *config) { c.format = f } }

// WithCompression fixes the compression instead of detecting it (Open) or
// taking it from the name (Create). On Open, None reads the bytes as they
// are.
func WithCompression(comp Compression) Option { return func(c *config) { c.compression = comp } }

// Cols sets the row width of raw files (required to read them). An input
// with no recognizable signature, no telling extension and not text is then
// read as raw.
func Cols(n int) Option { return func(c *config) { c.cols = n } }

// Dtype sets the element type of raw files (default Float64, or Float32
// for a ".f32" name).
func Dtype(d raw.Dtype) Option { return func(c *config) { c.dtype = d } }

// Tensor names the safetensors tensor to read or write (reading: default
// the only tensor; writing: default "data").
func Tensor(name string) Option { return func(c *config) { c.tensor = name } }

// AllowNonFinite lets NaN and ±Inf through the readers.
func AllowNonFinite() Option { return func(c *config) { c.allowNonFinite = true } }

// FortranBudget lets a Fortran-order .npy of at most bytes (as float64) be
// read into memory and transposed.
func FortranBudget(bytes int64) Option { return func(c *config) { c.fortranBudget = bytes } }

// MemoryBudget bounds what the Matrix Market reader holds in memory for
// files it cannot stream.
func MemoryBudget(bytes int64) Option { return func(c *config) { c.memoryBudget = bytes } }

// KnownRows tells Create how many rows will be written, so .npy and
// safetensors output can stream without spooling.
func KnownRows(n int64) Option { return func(c *config) { c.rows = n } }

// Float32 makes Create write float32 elements (npy '<f4', safetensors F32,
// raw float32).
func Float32() Option { return func(c *config) { c.float32 = true } }

// Mmap makes Open memory-map an uncompressed .npy, raw or safetensors file
// for the random-access reader (File.Source: ReadRowsAt, and so Shuffle)
// too, and for element types other than little-endian float64, instead of
// reading them with pread calls (the default). Reads then make no system
// calls, but every page touched counts in the process's resident set until
// unmapped — for a shuffle, the whole file — which is why it is not the
// default. (File's own sequential reads of little-endian float64 files are
// mapped either way, with pages released behind the read position; see
// Open.)
func Mmap() Option { return func(c *config) { c.mmap = true } }

// Pread makes Open read every file with pread calls, never through a
// memory map, not even the sequential reads of a little-endian float64
// file that Open maps by default. It wins over Mmap.
func Pread() Option { return func(c *config) { c.pread = true; c.mmap = false } }

// Stdin sets what "-" reads (default os.Stdin).
func Stdin(r io.Reader) Option { return func(c *config) { c.stdin = r } }

// Stdout sets what "-" writes (default os.Stdout).
func Stdout(w io.Writer) Option { return func(c *config) { c.stdout = w } }

// TempDir sets where writers spool (default os.TempDir()).
func TempDir(dir string) Option { return func(c *config) { c.tempDir = dir } }

// Level sets the compression level for Create: 1 fastest … 4 smallest
// (mapped to each codec's levels); 0 is the codec's default.
func Level(n int) Option { return func(c *config) { c.level = n } }

// Columns selects fields of CSV/TSV input (see delim.Columns).
func Columns(idx []int) Option { return func(c *config) { c.delimColumns = idx } }

// DropColumns skips fields of CSV/TSV input (see delim.DropColumns).
func DropColumns(idx []int) Option { return func(c *config) { c.dropColumns = idx } }
