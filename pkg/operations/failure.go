package operations

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tenantatlas/operations/pkg/redact"
)

// Failure is one entry of a run's failure_summary: why (some of) the work failed and how often.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// Failure codes the run lifecycle itself writes.
const (
	CodeQueueDispatchFailed = "queue.dispatch_failed" // the job could not be enqueued
	CodeRunStale            = "run.stale"             // the run outlived its type's time limit
	CodeRunWorkerLost       = "run.worker_lost"       // the run's worker stopped beating
	CodeFailuresTruncated   = "failures.truncated"    // stands for the entries beyond MaxFailures
	CodeUnknown             = "unknown"               // replaces a code of the wrong shape
)

// Bounds of a failure summary.
const (
	MaxFailures       = 20  // entries in a failure summary, the truncation entry included
	MaxFailureMessage = 500 // runes in a message, the ellipsis included
)

// maxRawMessage bounds how much of a message is examined at all: far more than is ever shown.
const maxRawMessage = 8 << 10

var failureCodePattern = regexp.MustCompile(`^[a-zA-Z0-9_.:-]{1,64}$`)

// SanitizeFailures makes a failure list fit to store and to show: secrets are replaced by
// "[redacted]", messages are trimmed and cut to MaxFailureMessage runes, a code of the wrong
// shape becomes "unknown", counts are at least 1, entries with the same code and message are
// merged (first occurrence first, counts summed) and at most MaxFailures entries are kept: the
// first MaxFailures-1 and one "failures.truncated" entry that counts the rest. The result is
// never nil.
func SanitizeFailures(in []Failure) []Failure {
	type key struct{ code, message string }
	out := make([]Failure, 0, min(len(in), MaxFailures))
	index := make(map[key]int, len(in))
	var merged []Failure
	for _, f := range in {
		code := strings.TrimSpace(f.Code)
		if !failureCodePattern.MatchString(code) {
			code = CodeUnknown
		}
		msg := SanitizeMessage(f.Message)
		count := max(f.Count, 1)
		k := key{code, msg}
		if i, ok := index[k]; ok {
			merged[i].Count = addCounts(merged[i].Count, count)
			continue
		}
		index[k] = len(merged)
		merged = append(merged, Failure{Code: code, Message: msg, Count: count})
	}
	if len(merged) <= MaxFailures {
		return append(out, merged...)
	}
	out = append(out, merged[:MaxFailures-1]...)
	rest := 0
	for _, f := range merged[MaxFailures-1:] {
		rest = addCounts(rest, f.Count)
	}
	return append(out, Failure{
		Code:    CodeFailuresTruncated,
		Message: fmt.Sprintf("%d more failures not shown", rest),
		Count:   rest,
	})
}

func addCounts(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// SanitizeMessage strips secrets from a failure message and bounds it: invalid UTF-8 and NUL
// bytes are removed, credentials are replaced by "[redacted]", surrounding space is trimmed and
// the message is cut to MaxFailureMessage runes with an ellipsis.
func SanitizeMessage(s string) string {
	if len(s) > maxRawMessage {
		s = s[:maxRawMessage]
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\x00", "")
	s = redact.String(s)
	s = strings.TrimFunc(s, unicode.IsSpace)
	if utf8.RuneCountInString(s) > MaxFailureMessage {
		r := []rune(s)[:MaxFailureMessage-1]
		s = strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
	}
	return s
}
