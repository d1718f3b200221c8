package r2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pfx-tui/pfx-tui/internal/logpush"
)

// stampLayout is the time format of a Logpush object name's window bounds
// (logpush.ParseObjectKey's), used to build StartAfter keys.
const stampLayout = "20060102T150405Z"

// deliveryHorizon is how long after a run's end its records may still land
// in a newer date folder: the date folder is the push window's day, and a
// run ending just before midnight is pushed after it.
const deliveryHorizon = 24 * time.Hour

// Fetcher downloads the Logpush objects of one run's time window
// incrementally: each Fetch lists only the date folders the window can
// have objects in, starting each listing after what earlier calls saw
// (StartAfter), and hands every new object to the Sink exactly once.
//
// A Fetcher is for one window and one Sink; Fetch calls are serialized.
type Fetcher struct {
	c        *Client
	from, to time.Time
	now      func() time.Time

	mu      sync.Mutex          // serializes Fetch and guards the maps
	after   map[string]string   // folder → StartAfter of its next listing
	seen    map[string]struct{} // keys handed to the sink, or gone
	retry   map[string]struct{} // listed keys whose download failed
	ignored map[string]struct{} // keys that are not Logpush object names

	tmu    sync.Mutex // guards totals, readable during a Fetch
	totals FetchTotals
}

// FetchResult is what one Fetch did.
type FetchResult struct {
	// Folders are the date folders listed (YYYYMMDD).
	Folders []string `json:"folders"`
	// Listed counts the keys the listings returned, old ones included.
	Listed int `json:"listed"`
	// New counts the objects downloaded and handed to the Sink.
	New int `json:"new"`
	// Ignored counts keys first seen now that are not Logpush object names
	// (Logpush's ownership-challenge file, stray uploads); never downloaded.
	Ignored int `json:"ignored"`
	// Failed counts downloads that failed; they are tried again next time.
	Failed int `json:"failed"`
	// Vanished counts listed objects that were gone when fetched (deleted
	// by a lifecycle rule between the list and the get).
	Vanished int `json:"vanished"`
	// SinkErrors counts objects the Sink could not read.
	SinkErrors int `json:"sinkErrors"`
}

// FetchTotals accumulate over a Fetcher's life.
type FetchTotals struct {
	Objects    int `json:"objects"`
	Ignored    int `json:"ignored"`
	Pending    int `json:"pending"` // failed downloads still to retry
	Vanished   int `json:"vanished"`
	SinkErrors int `json:"sinkErrors"`
}

// NewFetcher prepares incremental fetching for a run that went from from to
// to. Objects whose push window started more than Config.Lookback before
// from are not listed: they cannot hold the run's events.
func (c *Client) NewFetcher(from, to time.Time) *Fetcher {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		to = from
	}
	return &Fetcher{
		c: c, from: from, to: to, now: time.Now,
		after:   map[string]string{},
		seen:    map[string]struct{}{},
		retry:   map[string]struct{}{},
		ignored: map[string]struct{}{},
	}
}

// Totals returns the running totals; safe to call during a Fetch.
func (f *Fetcher) Totals() FetchTotals {
	f.tmu.Lock()
	defer f.tmu.Unlock()
	return f.totals
}

// Folders are the date folders a Fetch lists now: every UTC day from the
// run's start (less the lookback) to its end, extended to the present while
// records may still be arriving (at most deliveryHorizon past the end).
func (f *Fetcher) Folders() []string {
	start := f.from.Add(-max(f.c.lookback, 0))
	end := f.to
	if now := f.now().UTC(); now.After(end) {
		end = now
		if horizon := f.to.Add(deliveryHorizon); end.After(horizon) {
			end = horizon
		}
	}
	return logpush.DateFoldersBetween(start, end)
}

// Fetch lists the folders for new keys and downloads the new objects in
// parallel (Config.Concurrency at a time), calling sink.AddObject for one
// object at a time, in key order. Keys are never downloaded twice; a failed
// download is retried by the next Fetch.
//
// The error is the first failure, classified (see Error); the result is
// valid even then. A permanent error (credentials, missing bucket) or a
// cancelled ctx stops the Fetch at once.
func (f *Fetcher) Fetch(ctx context.Context, sink Sink) (FetchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var res FetchResult
	defer f.addTotals(&res)

	res.Folders = f.Folders()
	queued := map[string]bool{}
	var keys []string
	// Whatever was queued but not delivered (a failed download, or a Fetch
	// cut short) is fetched by the next call: the listings have moved past it.
	defer func() {
		for _, k := range keys {
			if _, ok := f.seen[k]; !ok {
				f.retry[k] = struct{}{}
			}
		}
	}()
	for k := range f.retry {
		queued[k] = true
		keys = append(keys, k)
	}
	var firstErr error
	for _, folder := range res.Folders {
		prefix := f.c.folderPrefix(folder)
		err := f.c.listPages(ctx, prefix, f.startAfter(folder, prefix), func(page []object) {
			for _, o := range page {
				k := o.key
				res.Listed++
				f.advance(folder, prefix, k)
				if _, ok := f.seen[k]; ok || queued[k] {
					continue
				}
				if _, ok := f.ignored[k]; ok {
					continue
				}
				if _, err := logpush.ParseObjectKey(k); err != nil {
					f.ignored[k] = struct{}{}
					res.Ignored++
					continue
				}
				queued[k] = true
				keys = append(keys, k)
			}
		})
		if err != nil {
			if ctx.Err() != nil || IsPermanent(err) {
				return res, err
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	sort.Strings(keys)
	soft, fatal := f.download(ctx, keys, sink, &res)
	if fatal != nil {
		return res, fatal
	}
	if firstErr == nil {
		firstErr = soft
	}
	return res, firstErr
}

// startAfter is the StartAfter of a folder's next listing. The first
// listing starts at the run's start less the lookback: keys sort by their
// window start, so "<prefix><stamp>" precedes every key whose window starts
// at or after stamp.
func (f *Fetcher) startAfter(folder, prefix string) string {
	if a, ok := f.after[folder]; ok {
		return a
	}
	return prefix + f.from.Add(-max(f.c.lookback, 0)).Format(stampLayout)
}

// advance moves a folder's StartAfter past a listed key: to the key itself
// with a negative lookback, else to the key's window start less the
// lookback, so objects uploaded late under an earlier name are still found
// (the seen set keeps the overlap from costing downloads).
func (f *Fetcher) advance(folder, prefix, key string) {
	next := key
	if f.c.lookback >= 0 {
		on, err := logpush.ParseObjectKey(key)
		if err != nil {
			return
		}
		next = prefix + on.Start.Add(-f.c.lookback).UTC().Format(stampLayout)
	}
	if cur, ok := f.after[folder]; !ok || next > cur {
		f.after[folder] = next
	}
}

// download fetches keys with bounded parallelism and delivers the bodies to
// the sink in key order from this goroutine, so the sink needs no locking.
// soft is the first failure that left the others going (a download to
// retry, an object the sink rejected); fatal stopped the downloads.
func (f *Fetcher) download(ctx context.Context, keys []string, sink Sink, res *FetchResult) (soft, fatal error) {
	if len(keys) == 0 {
		return nil, nil
	}
	type result struct {
		body     []byte
		err      error
		launched bool
	}
	results := make([]chan result, len(keys))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	dctx, cancel := context.WithCancel(ctx)
	sem := make(chan struct{}, f.c.concurrency)
	// stopLaunch ends the launching of downloads after a fatal error, and
	// lets those in flight finish: cancelling them would waste requests
	// already billed.
	stopLaunch := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stopLaunch) }) }
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, k := range keys {
			select {
			case sem <- struct{}{}:
			case <-dctx.Done():
				for j := i; j < len(keys); j++ {
					results[j] <- result{err: dctx.Err()}
				}
				return
			case <-stopLaunch:
				for j := i; j < len(keys); j++ {
					results[j] <- result{err: errHalted}
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := f.c.get(dctx, k)
				results[i] <- result{body: b, err: err, launched: true}
			}()
		}
	}()
	// After a fatal error no download starts, but those in flight are still
	// delivered: a body fetched is never fetched again.
	for i, k := range keys {
		r := <-results[i]
		if r.launched {
			<-sem
		}
		if r.err == nil {
			f.seen[k] = struct{}{}
			delete(f.retry, k)
			res.New++
			if err := sink.AddObject(k, bytes.NewReader(r.body)); err != nil {
				res.SinkErrors++
				if soft == nil {
					soft = fmt.Errorf("object %s: %w", k, err)
				}
			}
			continue
		}
		if fatal != nil {
			continue // cancelled by the fatal error; the next Fetch retries it
		}
		var gone *Error
		switch {
		case ctx.Err() != nil:
			fatal = ctx.Err()
		case IsPermanent(r.err):
			fatal = r.err
			halt()
		case errors.As(r.err, &gone) && (gone.Code == "NoSuchKey" || gone.Status == 404):
			f.seen[k] = struct{}{}
			delete(f.retry, k)
			res.Vanished++
		default:
			res.Failed++
			if soft == nil {
				soft = r.err
			}
		}
	}
	return soft, fatal
}

// errHalted marks downloads never started because of a fatal error.
var errHalted = errors.New("r2: download not started")

func (f *Fetcher) addTotals(res *FetchResult) {
	f.tmu.Lock()
	defer f.tmu.Unlock()
	f.totals.Objects += res.New
	f.totals.Ignored += res.Ignored
	f.totals.Vanished += res.Vanished
	f.totals.SinkErrors += res.SinkErrors
	f.totals.Pending = len(f.retry)
}
