package localtarget

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/pfx-tui/pfx-tui/internal/protocol"
)

// WSBatch sends one run-batch message (any JSON value, so a test can leave
// fields out) on its own WebSocket and returns the frames up to
// batch-complete or error, with the wall-clock span of the exchange.
func WSBatch(t *testing.T, srv *Server, msg any) (frames []protocol.Frame, start, end time.Time) {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL(), "http")+protocol.PathWS, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	start = time.Now()
	if err := conn.WriteJSON(msg); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("after %d frames: %v", len(frames), err)
		}
		f, err := protocol.DecodeFrame(data)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
		if f.Type == protocol.TypeBatchComplete || f.Type == protocol.TypeError {
			end = time.Now()
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			return frames, start, end
		}
	}
}
