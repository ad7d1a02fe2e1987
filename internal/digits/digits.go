// Package digits embeds a real matrix for demos and tests: the UCI "Optical
// Recognition of Handwritten Digits" test set as shipped with scikit-learn
// (1797 rows; 64 pixel intensities 0–16 and a class label 0–9 per row).
// License: CC BY 4.0, UCI Machine Learning Repository.
package digits

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"sync"
)

//go:embed digits.csv.gz
var compressed []byte

// Shape of the pixel matrix.
const (
	Rows = 1797
	Cols = 64
)

var (
	once   sync.Once
	pixels []float64
	labels []int
)

func load() {
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		panic("digits: embedded data: " + err.Error())
	}
	cr := csv.NewReader(zr)
	cr.FieldsPerRecord = Cols + 1
	cr.ReuseRecord = true
	pixels = make([]float64, 0, Rows*Cols)
	labels = make([]int, 0, Rows)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic("digits: embedded data: " + err.Error())
		}
		for _, f := range rec[:Cols] {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				panic("digits: embedded data: " + err.Error())
			}
			pixels = append(pixels, v)
		}
		l, err := strconv.Atoi(rec[Cols])
		if err != nil {
			panic("digits: embedded data: " + err.Error())
		}
		labels = append(labels, l)
	}
	if len(labels) != Rows {
		panic(fmt.Sprintf("digits: embedded data has %d rows, want %d", len(labels), Rows))
	}
}

// Pixels returns a fresh copy of the Rows×Cols pixel matrix, row-major.
func Pixels() []float64 {
	once.Do(load)
	return append([]float64(nil), pixels...)
}

// Labels returns a fresh copy of the class labels, one per row.
func Labels() []int {
	once.Do(load)
	return append([]int(nil), labels...)
}

// CSV returns the embedded file, gzip-compressed CSV (65 columns, no header).
func CSV() []byte { return compressed }
