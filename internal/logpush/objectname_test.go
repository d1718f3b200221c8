package logpush

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseObjectKey(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		key     string
		want    ObjectName
		wantErr string // substring; "" = valid
	}{
		{key: "logs/workers/20261126/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", want: ObjectName{
			Prefix: "logs/workers", Date: utc("2026-11-26T00:00:00Z"),
			Start: utc("2026-11-26T10:15:00Z"), End: utc("2026-11-26T10:15:30Z"), Hex: "9af500e2"}},
		{key: "20261126/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", want: ObjectName{
			Date: utc("2026-11-26T00:00:00Z"), Start: utc("2026-11-26T10:15:00Z"), End: utc("2026-11-26T10:15:30Z"), Hex: "9af500e2"}},
		{key: "p/20261126/20261126T235945Z_20261127T000015Z_0123ABCD.log.gz", want: ObjectName{
			Prefix: "p", Date: utc("2026-11-26T00:00:00Z"),
			Start: utc("2026-11-26T23:59:45Z"), End: utc("2026-11-27T00:00:15Z"), Hex: "0123ABCD"}},
		{key: "p/20280229/20280229T000000Z_20280229T000000Z_ffffffff.log.gz", want: ObjectName{
			Prefix: "p", Date: utc("2028-02-29T00:00:00Z"),
			Start: utc("2028-02-29T00:00:00Z"), End: utc("2028-02-29T00:00:00Z"), Hex: "ffffffff"}},
		{key: "/20261126/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", want: ObjectName{
			Date: utc("2026-11-26T00:00:00Z"), Start: utc("2026-11-26T10:15:00Z"), End: utc("2026-11-26T10:15:30Z"), Hex: "9af500e2"}},

		{key: "", wantErr: "does not end in"},
		{key: "ownership-challenge-5e0c0c3c.txt", wantErr: "does not end in"},
		{key: "20261126/20261126T101500Z_20261126T101530Z_9af500e2.log", wantErr: "does not end in"},
		{key: "20261126T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "no date folder"},
		{key: "p/2026-11-26/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "not YYYYMMDD"},
		{key: "p/20261326/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "month out of range"},
		{key: "p/20270229/20261126T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "day out of range"},
		{key: "p/20261126/20261131T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "day out of range"},
		{key: "p/20261126/20261126T241500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "hour out of range"},
		{key: "p/20261126/20261126T106000Z_20261126T101530Z_9af500e2.log.gz", wantErr: "minute out of range"},
		{key: "p/20261126/20261126T101500_20261126T101530Z_9af500e2.log.gz", wantErr: "not YYYYMMDDTHHMMSSZ"},
		{key: "p/20261126/+0261126T101500Z_20261126T101530Z_9af500e2.log.gz", wantErr: "not YYYYMMDDTHHMMSSZ"},
		{key: "p/20261126/20261126T101530Z_20261126T101500Z_9af500e2.log.gz", wantErr: "before start"},
		{key: "p/20261126/20261126T101500Z_20261126T101530Z_9af500g2.log.gz", wantErr: "8 hex"},
		{key: "p/20261126/20261126T101500Z_20261126T101530Z_9af500e.log.gz", wantErr: "8 hex"},
		{key: "p/20261126/20261126T101500Z_20261126T101530Z_9af500e2a.log.gz", wantErr: "8 hex"},
		{key: "p/20261126/20261126T101500Z_20261126T101530Z.log.gz", wantErr: "<start>_<end>_<hex>"},
		{key: "p/20261126/20261126T101500Z_20261126T101530Z_9af500e2_x.log.gz", wantErr: "<start>_<end>_<hex>"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := ParseObjectKey(tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrObjectKey) {
					t.Fatalf("err = %v, want one containing %q wrapping ErrObjectKey", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			if got.Date.Location() != time.UTC || got.Start.Location() != time.UTC {
				t.Errorf("times not in UTC: %v %v", got.Date, got.Start)
			}
		})
	}
}

func TestDateFolder(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	if got := DateFolder(time.Date(2026, 11, 27, 0, 30, 0, 0, paris)); got != "20261126" {
		t.Errorf("DateFolder = %s, want the UTC day 20261126", got)
	}
}

func TestDateFoldersBetween(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		from, to string
		want     []string
	}{
		{"same instant", "2026-11-26T10:15:00Z", "2026-11-26T10:15:00Z", []string{"20261126"}},
		{"within a day", "2026-11-26T00:00:00Z", "2026-11-26T23:59:59Z", []string{"20261126"}},
		{"crosses midnight", "2026-11-26T23:50:00Z", "2026-11-27T00:10:00Z", []string{"20261126", "20261127"}},
		{"ends exactly at midnight", "2026-11-26T23:50:00Z", "2026-11-27T00:00:00Z", []string{"20261126", "20261127"}},
		{"month and year end", "2026-12-30T12:00:00Z", "2027-01-02T01:00:00Z", []string{"20261230", "20261231", "20270101", "20270102"}},
		{"leap day", "2028-02-28T22:00:00Z", "2028-03-01T02:00:00Z", []string{"20280228", "20280229", "20280301"}},
		{"local times are converted to UTC", "2026-11-27T00:30:00+01:00", "2026-11-27T01:30:00+01:00", []string{"20261126", "20261127"}},
		{"to before from", "2026-11-27T00:00:00Z", "2026-11-26T00:00:00Z", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DateFoldersBetween(at(tt.from), at(tt.to))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzParseObjectKey: bucket listings can hold any key.
func FuzzParseObjectKey(f *testing.F) {
	f.Add("workers/20261126/20261126T101500Z_20261126T101530Z_9af500e2.log.gz")
	f.Add("20261126/x.log.gz")
	f.Fuzz(func(t *testing.T, key string) {
		n, err := ParseObjectKey(key)
		if err != nil {
			return
		}
		if n.End.Before(n.Start) || len(n.Hex) == 0 {
			t.Fatalf("accepted %q as %+v", key, n)
		}
	})
}
