package logpush

// IsGzip reports whether b starts with the gzip magic bytes: Logpush objects
// are gzip, local captures may be plain NDJSON, and a .gz name is not proof.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }
