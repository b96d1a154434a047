package database_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

// awkward are strings a text[] literal must quote or escape.
var awkward = []string{
	"plain", "", " ", " padded ", "NULL", "null", `"`, `a"b`, `\`, `back\slash`, `\"`, `"\`, `\\n`,
	",", "a,b", "{", "}", "{braces}", "{a,b}", "[0:1]={x}", "tab\tand\nnewline", "ünïcødé", "日本語", "🚀 rocket",
	"'single'", "O'Brien", `{"json": [1, 2]}`,
}

// TestStringArrayRoundTrip: PostgreSQL sees every element as given, and it scans back the same,
// whether the array came from the parameter or was built on the server.
func TestStringArrayRoundTrip(t *testing.T) {
	gdb := dbtest.New(t).Gorm
	for _, in := range []database.StringArray{{}, {""}, awkward, {strings.Repeat(`\"`, 500)}} {
		// Element by element on the server.
		var got []struct {
			N int
			E string
		}
		if err := gdb.Raw(`SELECT n::int AS n, e FROM unnest(?::text[]) WITH ORDINALITY AS u(e, n) ORDER BY n`, in).Scan(&got).Error; err != nil {
			t.Fatalf("unnest %q: %v", in, err)
		}
		if len(got) != len(in) {
			t.Fatalf("unnest %q: %d elements, want %d", in, len(got), len(in))
		}
		for i, g := range got {
			if g.E != in[i] {
				t.Errorf("element %d: server sees %q, want %q", i, g.E, in[i])
			}
		}

		// Back through a scan.
		var row struct {
			A   database.StringArray
			Len int
		}
		if err := gdb.Raw(`SELECT ?::text[] AS a, cardinality(?::text[]) AS len`, in, in).Scan(&row).Error; err != nil {
			t.Fatalf("select %q: %v", in, err)
		}
		if row.A == nil || !slices.Equal(row.A, in) || row.Len != len(in) {
			t.Errorf("round trip of %q = %q (cardinality %d)", in, row.A, row.Len)
		}
	}

	// An array the server built from separate text parameters.
	ph := strings.TrimSuffix(strings.Repeat("?::text,", len(awkward)), ",")
	args := make([]any, len(awkward))
	for i, s := range awkward {
		args[i] = s
	}
	var built database.StringArray
	if err := gdb.Raw(`SELECT ARRAY[`+ph+`]`, args...).Row().Scan(&built); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(built, database.StringArray(awkward)) {
		t.Errorf("server-built array scans as %q, want %q", built, awkward)
	}

	// Explicit bounds, as the server writes an array that does not start at 1.
	var bounded database.StringArray
	if err := gdb.Raw(`SELECT '[0:2]={a,"b,c",""}'::text[]`).Row().Scan(&bounded); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bounded, database.StringArray{"a", "b,c", ""}) {
		t.Errorf("bounded array scans as %q", bounded)
	}
}

// TestArrayNull: a nil array is NULL and NULL scans as nil; an empty array is '{}' and scans as
// an empty, non-nil one.
func TestArrayNull(t *testing.T) {
	gdb := dbtest.New(t).Gorm
	var row struct {
		NullS, EmptyS   database.StringArray
		NullI, EmptyI   database.Int64Array
		NullI32, Empty4 database.Int32Array
		IsNull, IsEmpty bool
	}
	err := gdb.Raw(`SELECT ?::text[] AS null_s, ?::text[] AS empty_s, ?::bigint[] AS null_i, ?::bigint[] AS empty_i,
			?::smallint[] AS null_i32, ?::smallint[] AS empty4, ?::bigint[] IS NULL AS is_null, ?::text[] = '{}' AS is_empty`,
		database.StringArray(nil), database.StringArray{}, database.Int64Array(nil), database.Int64Array{},
		database.Int32Array(nil), database.Int32Array{}, database.Int64Array(nil), database.StringArray{}).Scan(&row).Error
	if err != nil {
		t.Fatal(err)
	}
	if row.NullS != nil || row.NullI != nil || row.NullI32 != nil || !row.IsNull {
		t.Errorf("NULL arrays: %#v", row)
	}
	if row.EmptyS == nil || len(row.EmptyS) != 0 || row.EmptyI == nil || len(row.EmptyI) != 0 ||
		row.Empty4 == nil || len(row.Empty4) != 0 || !row.IsEmpty {
		t.Errorf("empty arrays: %#v", row)
	}

	// A NULL scan resets what the target held.
	a := database.StringArray{"x"}
	if err := a.Scan(nil); err != nil || a != nil {
		t.Errorf("Scan(nil) = %v, %q", err, a)
	}
}

// TestIntArrays: the integer arrays round-trip their extremes and work where GORM would expand a
// plain slice into a list.
func TestIntArrays(t *testing.T) {
	gdb := dbtest.New(t).Gorm
	ints := database.Int64Array{math.MinInt64, -1, 0, 1, math.MaxInt64}
	smalls := database.Int32Array{math.MinInt16, -7, 0, 7, math.MaxInt16}
	ints32 := database.Int32Array{math.MinInt32, math.MaxInt32}
	var row struct {
		I     database.Int64Array
		S     database.Int32Array
		I4    database.Int32Array
		Sum   int64
		InAny bool
	}
	err := gdb.Raw(`SELECT ?::bigint[] AS i, ?::smallint[] AS s, ?::integer[] AS i4,
			(SELECT sum(x) FROM unnest(?::smallint[]) AS x) AS sum, 7 = ANY(?) AS in_any`,
		ints, smalls, ints32, smalls, smalls).Scan(&row).Error
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(row.I, ints) || !slices.Equal(row.S, smalls) || !slices.Equal(row.I4, ints32) ||
		row.Sum != -1 || !row.InAny {
		t.Errorf("integer arrays: %+v", row)
	}

	// unnest of two arrays, as a batch update passes them.
	var pairs []struct{ A, B int64 }
	if err := gdb.Raw(`SELECT a, b FROM unnest(?::bigint[], ?::bigint[]) AS u(a, b) ORDER BY a`,
		database.Int64Array{1, 2}, database.Int64Array{10, 20}).Scan(&pairs).Error; err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || pairs[0].B != 10 || pairs[1].B != 20 {
		t.Errorf("unnest pairs: %+v", pairs)
	}

	// Out of range for the target type.
	var small database.Int32Array
	if err := small.Scan("{2147483648}"); err == nil {
		t.Errorf("Int32Array scanned 2^31 as %v", small)
	}
}

// TestArrayScanRejects: what a one-dimensional array of values cannot hold is an error.
func TestArrayScanRejects(t *testing.T) {
	for _, src := range []any{`{{a,b},{c,d}}`, `[1:1][1:2]={{a,b}}`, `{a,NULL}`, `{"a}`, `{a"b}`, `{a,,b}`, `{a}x`, `a`, ``, 42} {
		var s database.StringArray
		if err := s.Scan(src); err == nil {
			t.Errorf("StringArray.Scan(%#v) = %q, want an error", src, s)
		}
	}
	for _, src := range []any{`{1,NULL}`, `{1.5}`, `{x}`, `{"1"`} {
		var a database.Int64Array
		if err := a.Scan(src); err == nil {
			t.Errorf("Int64Array.Scan(%#v) = %v, want an error", src, a)
		}
	}
	var s database.StringArray
	if err := s.Scan([]byte(`{"a\\b","c\"d",e}`)); err != nil || !slices.Equal(s, database.StringArray{`a\b`, `c"d`, "e"}) {
		t.Errorf("Scan of bytes = %q, %v", s, err)
	}
	if _, err := (database.StringArray{"a\x00b"}).Value(); err == nil {
		t.Error("a NUL byte was accepted")
	}
}
