package r2

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// S3 operation names, as the SDK reports them.
const (
	opList = "ListObjectsV2"
	opGet  = "GetObject"
)

// Client reads one bucket (and path prefix) over the S3 API with
// aws-sdk-go-v2, configured the way R2 needs it: region "auto", checksums
// only when required (R2 rejects the SDK's default trailing checksums),
// static credentials, and a retryer with backoff for transient errors. It
// builds its S3 client from Config alone, never from ~/.aws or AWS_*
// variables, so an AWS set-up on the machine cannot redirect it.
//
// A Client is safe for concurrent use. It counts the operations R2 bills.
type Client struct {
	s3           *s3.Client
	bucket       string
	prefix       string // no leading or trailing slash
	endpoint     string // scheme://host[:port]
	host         string
	accountID    string
	jurisdiction string
	isR2         bool
	pageSize     int32
	concurrency  int
	lookback     time.Duration
	redactor     *strings.Replacer

	classA atomic.Int64
	classB atomic.Int64
}

// New checks cfg and builds a Client. It sends no request; call Check to
// find out whether the keys and bucket work.
func New(ctx context.Context, cfg Config) (*Client, error) {
	_ = ctx // reserved: building the client does no I/O today
	u, isR2, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{
		bucket:       cfg.Bucket,
		prefix:       strings.Trim(cfg.Prefix, "/"),
		endpoint:     u.Scheme + "://" + u.Host,
		host:         u.Host,
		accountID:    cfg.AccountID,
		jurisdiction: strings.TrimSpace(cfg.Jurisdiction),
		isR2:         isR2,
		pageSize:     cfg.PageSize,
		concurrency:  cfg.Concurrency,
		lookback:     cfg.Lookback,
		redactor:     newRedactor(cfg.AccessKeyID, cfg.SecretAccessKey),
	}
	if c.jurisdiction == "default" {
		c.jurisdiction = ""
	}
	if c.concurrency <= 0 {
		c.concurrency = DefaultConcurrency
	}
	if c.lookback == 0 {
		c.lookback = DefaultLookback
	}
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	base := u.String()
	c.s3 = s3.New(s3.Options{
		Region:                     "auto",
		BaseEndpoint:               aws.String(base),
		UsePathStyle:               cfg.PathStyle || isLoopbackHost(u.Hostname()),
		Credentials:                credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		HTTPClient: awshttp.NewBuildableClient().WithTimeout(timeout).WithTransportOptions(func(t *http.Transport) {
			if t.MaxIdleConnsPerHost < c.concurrency {
				t.MaxIdleConnsPerHost = c.concurrency
			}
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 10 * time.Second
			// A poller retries on its own schedule; the client-side retry
			// quota would only turn a long outage into a quota error.
			o.RateLimiter = ratelimit.None
		}),
		APIOptions: []func(*middleware.Stack) error{c.countOperations},
	})
	return c, nil
}

// countOperations counts every attempt that got an HTTP answer, retries
// included: that is what reaches R2 and what it bills (ListObjectsV2 is a
// Class A operation, GetObject Class B).
func (c *Client) countOperations(st *middleware.Stack) error {
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("pfxCountOperations",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if out.RawResponse != nil {
				switch awsmiddleware.GetOperationName(ctx) {
				case opList:
					c.classA.Add(1)
				case opGet:
					c.classB.Add(1)
				}
			}
			return out, md, err
		}), middleware.Before)
}

// Ops counts the billable requests a Client has made.
type Ops struct {
	// ClassA is list requests ($4.50 per million on R2).
	ClassA int64 `json:"classA"`
	// ClassB is get requests ($0.36 per million on R2).
	ClassB int64 `json:"classB"`
}

// R2 list prices of the Standard storage class, per million requests
// (https://developers.cloudflare.com/r2/pricing/): ListObjects is Class A,
// GetObject Class B. The monthly free tier (1 M Class A, 10 M Class B) is
// not subtracted: the figure is what these requests add at the margin.
const (
	PriceClassAPerMillion = 4.50
	PriceClassBPerMillion = 0.36
)

// CostUSD is what the requests cost at list price, at the margin.
func (o Ops) CostUSD() float64 {
	return float64(o.ClassA)*PriceClassAPerMillion/1e6 + float64(o.ClassB)*PriceClassBPerMillion/1e6
}

// Ops returns the operation counts so far, so the console can show what
// polling cost.
func (c *Client) Ops() Ops { return Ops{ClassA: c.classA.Load(), ClassB: c.classB.Load()} }

// Bucket is the bucket read.
func (c *Client) Bucket() string { return c.bucket }

// Prefix is the Logpush path prefix inside the bucket ("" for the root).
func (c *Client) Prefix() string { return c.prefix }

// Endpoint is the S3 endpoint, scheme://host[:port], for messages.
func (c *Client) Endpoint() string { return c.endpoint }

// Check makes one cheap request (a one-key listing of the prefix, one Class
// A operation) to prove the endpoint, keys and bucket work, so a bad key
// can be reported before minutes of waiting.
func (c *Client) Check(ctx context.Context) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket), MaxKeys: aws.Int32(1)}
	if c.prefix != "" {
		in.Prefix = aws.String(c.prefix + "/")
	}
	_, err := c.s3.ListObjectsV2(ctx, in)
	return c.classify(ctx, opList, "", err)
}

// folderPrefix is the list prefix of one date folder.
func (c *Client) folderPrefix(folder string) string {
	if c.prefix == "" {
		return folder + "/"
	}
	return c.prefix + "/" + folder + "/"
}

// object is one listed object: its key and modification time.
type object struct {
	key      string
	modified time.Time
}

// listPages lists the objects under prefix after startAfter, page by page,
// calling fn with each page's objects in key order.
func (c *Client) listPages(ctx context.Context, prefix, startAfter string, fn func(page []object)) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(c.bucket), Prefix: aws.String(prefix)}
	if startAfter != "" {
		in.StartAfter = aws.String(startAfter)
	}
	p := s3.NewListObjectsV2Paginator(c.s3, in, func(o *s3.ListObjectsV2PaginatorOptions) {
		o.Limit = c.pageSize
		o.StopOnDuplicateToken = true
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return c.classify(ctx, opList, "", err)
		}
		objs := make([]object, 0, len(page.Contents))
		for _, o := range page.Contents {
			if o.Key == nil {
				continue
			}
			obj := object{key: *o.Key}
			if o.LastModified != nil {
				obj.modified = *o.LastModified
			}
			objs = append(objs, obj)
		}
		fn(objs)
	}
	return nil
}

// get downloads one object whole. Logpush objects are gzip and small
// (seconds to minutes of one job's events); buffering lets downloads run in
// parallel while the Sink reads one at a time.
func (c *Client) get(ctx context.Context, key string) ([]byte, error) {
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, c.classify(ctx, opGet, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Kind: ErrUnreachable, Op: opGet, err: err,
			msg: fmt.Sprintf("cannot reach the %s endpoint %s: reading %s: %s", c.serviceName(), c.host, key, c.redact(err.Error()))}
	}
	return body, nil
}

// newRedactor scrubs the keys from any text quoted from elsewhere (server
// messages, transport errors). Values too short to be real keys are left
// alone, lest a one-letter test key garble every message.
func newRedactor(keys ...string) *strings.Replacer {
	var pairs []string
	for _, k := range keys {
		if len(k) >= 6 {
			pairs = append(pairs, k, "[redacted]")
		}
	}
	return strings.NewReplacer(pairs...)
}

func (c *Client) redact(s string) string { return c.redactor.Replace(s) }
