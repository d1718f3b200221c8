// Command scanprof reads every *.log.gz under DIR through logpush.Scan the
// way `pfx-tui logs scan --dir` does (one file per core) and prints how
// long reading and the summary took; with a second argument it writes a
// CPU profile there. It is for looking inside the scan (go tool pprof, or
// valgrind --tool=callgrind for instruction counts), not for timing it
// against other tools: bench/scan.sh times the real command.
//
//	go build -o /tmp/scanprof ./bench/scanprof
//	/tmp/scanprof DIR [cpu.prof]
//	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind /tmp/scanprof DIR
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/bench/internal/objects"
	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: scanprof DIR [cpu.prof]")
		os.Exit(2)
	}
	files, err := objects.List(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) == 3 {
		pf, err := os.Create(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	scan := logpush.NewScan(logpush.Filter{})
	next := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for p := range next {
				f, err := os.Open(p)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					continue
				}
				if err := scan.AddFile(p, f); err != nil {
					fmt.Fprintln(os.Stderr, err)
				}
				f.Close()
			}
		})
	}
	for _, p := range files {
		next <- p
	}
	close(next)
	wg.Wait()
	read := time.Since(start)
	sum := scan.Summary()
	fmt.Printf("%d files, %d lines, %d records: read %v, summary %v\n",
		sum.Files, sum.Lines, sum.Records, read.Round(time.Millisecond), (time.Since(start) - read).Round(time.Millisecond))
}
