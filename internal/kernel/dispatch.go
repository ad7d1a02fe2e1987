package kernel

// The bodies the exported functions call. On amd64 without the purego tag,
// an init function may replace them with assembly bodies after checking the
// CPU's features.
var (
	dot        = dotGeneric
	axpy       = axpyGeneric
	scal       = scalGeneric
	gemv       = gemvGeneric
	gemvT      = gemvTGeneric
	gramUpdate = gramUpdateGeneric
	gemmNN     = gemmNNGeneric
	gemmNT     = gemmNTGeneric
	gemmTN     = gemmTNGeneric
)
