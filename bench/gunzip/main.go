// Command gunzip is the decompression-only baseline of the logs scan
// benchmark: it reads every *.log.gz under a folder with the gzip library
// and the file parallelism of `pfx-tui logs scan`, splits the lines and
// counts them, and does nothing else.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/pfx-tui/pfx-tui/bench/internal/objects"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gunzip DIR")
		os.Exit(2)
	}
	files, err := objects.List(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var lines, bytesOut atomic.Int64
	next := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for p := range next {
				n, b, err := count(p, buf)
				if err != nil {
					fmt.Fprintln(os.Stderr, p, err)
					os.Exit(1)
				}
				lines.Add(n)
				bytesOut.Add(b)
			}
		}()
	}
	for _, p := range files {
		next <- p
	}
	close(next)
	wg.Wait()
	fmt.Printf("%d files, %d lines, %d bytes\n", len(files), lines.Load(), bytesOut.Load())
}

// count decompresses one file and counts its lines the way the scanner
// splits them: by searching each buffer for '\n'.
func count(path string, buf []byte) (lines, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return 0, 0, err
	}
	for {
		k, err := io.ReadFull(zr, buf)
		n += int64(k)
		b := buf[:k]
		for {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			lines++
			b = b[i+1:]
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return lines, n, nil
		}
		if err != nil {
			return lines, n, err
		}
	}
}
