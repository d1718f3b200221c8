// Package objects lists the Logpush objects of a data set for the bench
// programs.
package objects

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// List returns the *.log.gz files under dir, in walk (lexical) order.
func List(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log.gz") {
			files = append(files, p)
		}
		return err
	})
	return files, err
}
