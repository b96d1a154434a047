package operations

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// SanitizeCounts keeps the summary counts a run of the given type may carry: keys the type allows
// (for an unknown type only the common keys) whose values are non-negative whole numbers. Other
// entries are dropped, nothing is rounded. Accepted values are Go integers, whole finite floats
// and json.Number. The result is never nil.
func SanitizeCounts(typeKey string, in map[string]any) map[string]int64 {
	allowed := allowedSummaryKeys(typeKey)
	out := make(map[string]int64, len(in))
	for k, v := range in {
		if !slices.Contains(allowed, k) {
			continue
		}
		if n, ok := countValue(v); ok {
			out[k] = n
		}
	}
	return out
}

// maxExactFloat is the largest float64 below 2^63; every float64 up to it converts to int64
// exactly.
const maxExactFloat = float64(math.MaxInt64 - 1023)

// countValue converts v to a non-negative int64 when it is a whole number.
func countValue(v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int8:
		n = int64(v)
	case int16:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint:
		if uint64(v) > math.MaxInt64 {
			return 0, false
		}
		n = int64(v)
	case uint8:
		n = int64(v)
	case uint16:
		n = int64(v)
	case uint32:
		n = int64(v)
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		n = int64(v)
	case float32:
		return wholeFloat(float64(v))
	case float64:
		return wholeFloat(v)
	case json.Number:
		if i, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			n = i
			break
		}
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil {
			return 0, false
		}
		return wholeFloat(f)
	default:
		return 0, false
	}
	if n < 0 {
		return 0, false
	}
	return n, true
}

func wholeFloat(f float64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxExactFloat || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}
