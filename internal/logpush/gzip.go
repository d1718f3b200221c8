package logpush

import (
	"encoding/binary"
	"io"
)

// IsGzip reports whether b starts with the gzip magic bytes: Logpush objects
// are gzip, local captures may be plain NDJSON, and a .gz name is not proof.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// UncompressedSize is the size a file will have once decompressed, for
// sizing before reading: the ISIZE field a gzip stream ends with (the size
// modulo 4 GiB of its last member, so a hint only), or the size itself for
// plain NDJSON. It reads four bytes at the end of r.
func UncompressedSize(r io.ReaderAt, size int64) int64 {
	var b [4]byte
	if size < 18 { // a gzip header and trailer alone are 18 bytes
		return size
	}
	if _, err := r.ReadAt(b[:2], 0); err != nil || !IsGzip(b[:2]) {
		return size
	}
	if _, err := r.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(b[:]))
}
