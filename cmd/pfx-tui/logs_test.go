package main

import (
	"slices"
	"testing"
)

// Files are read largest first; equal and unknown sizes keep name order.
func TestLargestFirst(t *testing.T) {
	t.Parallel()
	files := []string{"a", "b", "c", "d", "e"}
	size := map[string]int64{"a": 10, "b": 30, "c": 10, "e": 20} // d unknown
	if got, want := largestFirst(files, size), []int{1, 4, 0, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if got := largestFirst(nil, nil); len(got) != 0 {
		t.Errorf("no files: %v", got)
	}
}
