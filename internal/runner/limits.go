package runner

import (
	"errors"
	"fmt"

	"github.com/gorilla/websocket"
)

// MaxFrameBytes bounds one WebSocket message from the target. The protocol's
// frames (progress, timing, batch-complete, error) are a few hundred bytes;
// a message past this is a broken or hostile target, and the batch is
// dropped instead of letting the read buffer the message whole.
const MaxFrameBytes = 1 << 20

// frameError names the limit when the read refused a message over it, and
// leaves any other read error as it is.
func frameError(err error) error {
	if errors.Is(err, websocket.ErrReadLimit) {
		return fmt.Errorf("the target sent a WebSocket message over the %d KiB limit per message; refused", MaxFrameBytes>>10)
	}
	return err
}
