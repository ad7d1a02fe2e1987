//go:build !race

package sketch

// raceBuild: see fd_eigen_race_test.go.
const raceBuild = false
