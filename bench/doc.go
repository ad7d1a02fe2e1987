// Package bench holds linstream's benchmarks: every kernel, format, sketch
// and estimator measured beside a peer (gonum) in the same run, named
// Benchmark<Area>/<Name>/<shape>/impl=<impl>. The peer comparison against
// numpy and scikit-learn lives in bench/peers. Measured tables and the
// commands that produce them are in README.md.
package bench
