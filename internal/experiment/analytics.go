package experiment

// EmulatorAnalytics is where the local target serves its emulation of
// Cloudflare's GraphQL Analytics API (and the Durable Object namespace
// listing), announced in /version like its Logpush bucket. The token is
// the emulator's fixed local one, not a credential; results files never
// keep it.
type EmulatorAnalytics struct {
	// Base is the API base (…/client/v4): GraphQL at Base + "/graphql".
	Base       string `json:"base"`
	AccountID  string `json:"accountId"`
	Token      string `json:"token,omitempty"`
	ScriptName string `json:"scriptName"`
	// MinuteMs is the emulated minute: datetimeMinute buckets this long.
	MinuteMs int64 `json:"minuteMs"`
}
