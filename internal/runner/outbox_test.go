package runner

import (
	"strconv"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/experiment"
)

func TestOutboxKeepsEveryResultAndCoalescesProgress(t *testing.T) {
	t.Parallel()
	ob := newOutbox()
	a, b := experiment.BatchSpec{ID: "a"}, experiment.BatchSpec{ID: "b"}
	// The consumer is not reading yet: emit must not block.
	ob.emit(BatchStarted{Spec: a})
	for i := 1; i <= 100; i++ {
		ob.emit(OpProgress{Spec: a, Completed: i})
	}
	ob.emit(BatchDone{Result: experiment.BatchResult{BatchSpec: a}})
	ob.emit(OpProgress{Spec: b, Completed: 1})
	ob.emit(OpProgress{Spec: b, Completed: 2})
	ob.emit(BatchFailed{Result: experiment.BatchResult{BatchSpec: b}})
	ob.emit(RunDone{})
	ob.close()
	ch := make(chan Event)
	go ob.forward(ch)
	var got []string
	for ev := range ch {
		switch e := ev.(type) {
		case BatchStarted:
			got = append(got, "start "+e.Spec.ID)
		case OpProgress:
			got = append(got, "progress "+e.Spec.ID+" "+strconv.Itoa(e.Completed))
		case BatchDone:
			got = append(got, "done "+e.Result.ID)
		case BatchFailed:
			got = append(got, "failed "+e.Result.ID)
		case RunDone:
			got = append(got, "run done")
		}
	}
	want := []string{"start a", "progress a 100", "done a", "progress b 2", "failed b", "run done"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestWaitReturnsTheRunOutcome(t *testing.T) {
	t.Parallel()
	ch := make(chan Event, 3)
	ch <- BatchStarted{}
	ch <- BatchDone{Result: experiment.BatchResult{BatchSpec: experiment.BatchSpec{ID: "x"}}}
	ch <- RunDone{Results: []experiment.BatchResult{{BatchSpec: experiment.BatchSpec{ID: "x"}}}, Interrupted: true}
	close(ch)
	if d := Wait(ch); !d.Interrupted || len(d.Results) != 1 || d.Results[0].ID != "x" {
		t.Fatalf("Wait = %+v", d)
	}
}
