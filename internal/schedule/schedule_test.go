package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"daily", "want rate("},
		{"rate(0 days)", "positive"},
		{"rate(1 days)", "singular"},
		{"rate(2 day)", "plural"},
		{"rate(5 weeks)", "unknown rate unit"},
		{"cron(0 3 * * *)", "6 fields"},
		{"cron(0 3 * * * *)", "exactly one"},
		{"cron(0 3 ? * ? *)", "exactly one"},
		{"cron(61 3 * * ? *)", "minutes"},
		{"cron(0 3 L * ? *)", "day-of-month"},
		{"cron(0 3 ? * 2#1 *)", "not supported"},
	} {
		_, err := Parse(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.expr, err, tc.want)
		}
	}
}

func TestNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ expr, from, want, freq string }{
		{"rate(15 minutes)", "2026-11-25T10:07:00Z", "2026-11-25T10:15:00Z", "CONT"},
		{"rate(1 hour)", "2026-11-25T10:07:00Z", "2026-11-25T11:00:00Z", "HOURLY"},
		{"rate(1 day)", "2026-11-25T10:07:00Z", "2026-11-26T00:00:00Z", "DAILY"},
		{"cron(0 3 * * ? *)", "2026-11-25T10:07:00Z", "2026-11-26T03:00:00Z", "DAILY"},
		{"cron(0 3 * * ? *)", "2026-11-25T02:59:00Z", "2026-11-25T03:00:00Z", "DAILY"},
		{"cron(30 6 ? * MON *)", "2026-11-25T10:07:00Z", "2026-11-30T06:30:00Z", "WEEKLY"},
		{"cron(0 4 1 * ? *)", "2026-11-25T10:07:00Z", "2026-12-01T04:00:00Z", "MONTHLY"},
		{"cron(0 5 15 JAN ? *)", "2026-11-25T10:07:00Z", "2027-01-15T05:00:00Z", "ANNUAL"},
		{"cron(0/20 8-9 * * ? *)", "2026-11-25T08:41:00Z", "2026-11-25T09:00:00Z", "HOURLY"},
		{"cron(0 0 1 1 ? 2025)", "2026-11-25T10:07:00Z", "0001-01-01T00:00:00Z", "ANNUAL"},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := s.Next(at(tc.from)); !got.Equal(at(tc.want)) {
			t.Errorf("%s.Next(%s) = %s, want %s", tc.expr, tc.from, got.Format(time.RFC3339), tc.want)
		}
		if got := s.Frequency(); got != tc.freq {
			t.Errorf("%s.Frequency() = %s, want %s", tc.expr, got, tc.freq)
		}
	}
}

func TestDue(t *testing.T) {
	s, err := Parse("cron(0 3 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 11, 24, 3, 0, 5, 0, time.UTC)
	if s.Due(last, time.Date(2026, 11, 25, 2, 59, 0, 0, time.UTC)) {
		t.Error("due before 03:00 the next day")
	}
	if !s.Due(last, time.Date(2026, 11, 25, 3, 10, 0, 0, time.UTC)) {
		t.Error("not due after 03:00 the next day")
	}
	if !s.Due(time.Time{}, last) {
		t.Error("a dataset never run must be due")
	}
}
