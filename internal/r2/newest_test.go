package r2_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pfx-tui/pfx-tui/internal/r2"
)

// TestNewest finds the newest object of the newest date folder, counts the
// date folders and the objects outside any (a Logpush path without
// {DATE}), and says nothing is there for an empty prefix.
func TestNewest(t *testing.T) {
	t.Parallel()
	env := newS3Env(t)
	c := env.client(t, func(c *r2.Config) { c.PageSize = 2 })
	ctx := context.Background()

	n, err := c.Newest(ctx)
	if err != nil || n.Found() || n.Folders != 0 {
		t.Fatalf("empty bucket: %+v %v", n, err)
	}
	keys := []string{
		"workers/20261125/20261125T235930Z_20261126T000000Z_0000000a.log.gz",
		"workers/20261126/20261126T100000Z_20261126T100030Z_0000000b.log.gz",
		"workers/20261126/20261126T100030Z_20261126T100100Z_0000000c.log.gz",
		"workers/20261126/20261126T100100Z_20261126T100130Z_0000000d.log.gz",
		"workers/ownership-challenge.txt",
		"workers/20261126T100100Z_20261126T100130Z_0000000e.log.gz",
		"other/20261127/20261127T000000Z_20261127T000030Z_0000000f.log.gz",
	}
	for _, k := range keys {
		if err := env.srv.PutObject(k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	n, err = c.Newest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Key != keys[3] || n.Folders != 2 || n.Undated != 1 || n.LastModified.IsZero() {
		t.Errorf("newest %+v", n)
	}

	bad := env.client(t, func(c *r2.Config) { c.SecretAccessKey = "wrong-secret-123456" })
	if _, err := bad.Newest(ctx); !errors.Is(err, r2.ErrCredentials) {
		t.Errorf("wrong key: %v", err)
	}
}
