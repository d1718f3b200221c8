package r2_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its tests: every
// run, socket, poller and server a test starts must end with it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
