package delim_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
)

func ExampleReader() {
	text := `# two features and a label
x,y,label
1.5,2,cat
-3,4e-1,dog
`
	r, err := delim.NewReader(strings.NewReader(text), delim.DropColumns([]int{-1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("header:", r.Header(), "cols:", r.Cols())
	rows := make([]float64, 4)
	n, _ := r.ReadRows(rows)
	fmt.Println(n, rows[:n*r.Cols()])

	// Bad data says where it is.
	_, err = delim.NewReader(strings.NewReader("1,2\n3,x\n"), delim.FileName("a.csv"))
	if err == nil {
		r, _ := delim.NewReader(strings.NewReader("1,2\n3,x\n"), delim.FileName("a.csv"))
		_, err = r.ReadRows(make([]float64, 4))
	}
	fmt.Println(err)
	// Output:
	// header: [x y label] cols: 2
	// 2 [1.5 2 -3 0.4]
	// a.csv:2: row 2, column 2 (byte 6): non-numeric field "x", expected a number: stream: malformed input
}

func ExampleWriter() {
	w, err := delim.NewWriter(os.Stdout, 3, delim.Separator('\t'), delim.HeaderNames([]string{"a", "b", "c"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := stream.Copy(w, stream.NewSliceReader([]float64{0.1, 1.0 / 3, 1e21, -2, 0, 5}, 3)); err != nil {
		fmt.Println(err)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// a	b	c
	// 0.1	0.3333333333333333	1e+21
	// -2	0	5
}

func ExampleParseFloat() {
	for _, s := range []string{"0.1", "-2.5e-3", "12345678901234567890", "x"} {
		v, err := delim.ParseFloat([]byte(s))
		fmt.Println(v, err)
	}
	// Output:
	// 0.1 <nil>
	// -0.0025 <nil>
	// 1.2345678901234567e+19 <nil>
	// 0 strconv.ParseFloat: parsing "x": invalid syntax
}
