package r2

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Newest is the most recent object of the Logpush prefix.
type Newest struct {
	// Key and LastModified of the newest object in the newest date folder;
	// empty when there is none.
	Key          string
	LastModified time.Time
	// Folders counts the YYYYMMDD folders under the prefix.
	Folders int
	// Undated counts objects directly under the prefix, outside any date
	// folder (a Logpush path without {DATE}): pfx-tui does not read them.
	Undated int
}

// Found reports whether a dated object was found.
func (n Newest) Found() bool { return n.Key != "" }

// Newest lists the prefix's date folders (one delimited listing per 1000
// folders) and the newest one (one listing per 1000 objects), so `pfx-tui
// doctor` can say when Logpush last wrote: a handful of Class A operations.
func (c *Client) Newest(ctx context.Context) (Newest, error) {
	var n Newest
	root := ""
	if c.prefix != "" {
		root = c.prefix + "/"
	}
	newestFolder := ""
	seen := map[string]bool{}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket), Prefix: aws.String(root), Delimiter: aws.String("/")}
	p := s3.NewListObjectsV2Paginator(c.s3, in, func(o *s3.ListObjectsV2PaginatorOptions) {
		o.Limit = c.pageSize
		o.StopOnDuplicateToken = true
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, c.classify(ctx, opList, "", err)
		}
		for _, cp := range page.CommonPrefixes {
			if cp.Prefix == nil {
				continue
			}
			folder := strings.TrimSuffix(strings.TrimPrefix(*cp.Prefix, root), "/")
			if !isDateFolder(folder) || seen[folder] {
				continue
			}
			seen[folder] = true
			n.Folders++
			if folder > newestFolder {
				newestFolder = folder
			}
		}
		for _, o := range page.Contents {
			if o.Key != nil && strings.HasSuffix(*o.Key, ".log.gz") && !seen[*o.Key] {
				seen[*o.Key] = true
				n.Undated++
			}
		}
	}
	if newestFolder == "" {
		return n, nil
	}
	err := c.listPages(ctx, root+newestFolder+"/", "", func(page []object) {
		for _, o := range page {
			// Keys sort by push window: on equal times the later key is newer.
			if n.Key == "" || o.modified.After(n.LastModified) || o.modified.Equal(n.LastModified) && o.key > n.Key {
				n.Key, n.LastModified = o.key, o.modified
			}
		}
	})
	return n, err
}

func isDateFolder(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := time.Parse("20060102", s)
	return err == nil
}
