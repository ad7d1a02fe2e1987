package sketch

import "fmt"

// SetNextRow sets the stream index the next row written will have, so one
// sketch can absorb blocks of a sharded stream in any order, each at its
// global position (a Beam worker does this): the result is the sketch of
// the rows written, at the indices they were written at. It panics if i < 0.
func (cs *CountSketch) SetNextRow(i int64) { cs.c.setNext(i) }

// SetNextRow sets the stream index the next row written will have; see
// CountSketch.SetNextRow.
func (o *OSNAP) SetNextRow(i int64) { o.c.setNext(i) }

// SetNextRow sets the stream index the next row written will have; see
// CountSketch.SetNextRow.
func (g *Gaussian) SetNextRow(i int64) { g.next = checkNext(i) }

// SetNextRow sets the stream index the next row written will have. Each
// slot's draws for a row depend only on the seed and the row's index, and a
// weighted reservoir is indifferent to the order rows arrive in, so a
// sampler fed the blocks of a stream at their global indices, in any order,
// samples each row i with probability ‖a_i‖²/‖A‖²_F per slot. Indices must
// not repeat. It panics if i < 0.
func (s *NormSampler) SetNextRow(i int64) { s.next = checkNext(i) }

func (c *sparseCore) setNext(i int64) { c.next = checkNext(i) }

func checkNext(i int64) int64 {
	if i < 0 {
		panic(fmt.Sprintf("sketch: SetNextRow(%d)", i))
	}
	return i
}
