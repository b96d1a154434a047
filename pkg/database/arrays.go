package database

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
)

// PostgreSQL one-dimensional arrays as query parameters and scan targets.
//
// GORM expands a plain Go slice given for a "?" into a list "(a,b,c)", which is right for IN but
// not for an array parameter such as unnest(?::bigint[]) or = ANY(?): these types are
// driver.Valuers, so GORM passes them on whole, as PostgreSQL array literals. A nil array is
// NULL, an empty one '{}'. They scan a one-dimensional array (or NULL, as nil) back; a NULL
// element is an error. Their GormDataType lets GORM scan them into struct fields without a type
// tag; a tag (gorm:"type:smallint[]") names the column's own type.

// Int64Array is a bigint[] (or any integer array).
type Int64Array []int64

// Int32Array is an integer[] or smallint[].
type Int32Array []int32

// StringArray is a text[] (or any array whose elements read and write as text).
type StringArray []string

// GormDataType is the column type GORM assumes without a type tag.
func (Int64Array) GormDataType() string { return "bigint[]" }

// GormDataType is the column type GORM assumes without a type tag.
func (Int32Array) GormDataType() string { return "integer[]" }

// GormDataType is the column type GORM assumes without a type tag.
func (StringArray) GormDataType() string { return "text[]" }

// Value implements driver.Valuer.
func (a Int64Array) Value() (driver.Value, error) { return intLiteral(a), nil }

// Scan implements sql.Scanner.
func (a *Int64Array) Scan(src any) error {
	elems, isNull, err := scanElems(src, "Int64Array")
	if err != nil || isNull {
		*a = nil
		return err
	}
	out := make(Int64Array, len(elems))
	for i, e := range elems {
		if out[i], err = parseInt[int64](e, 64); err != nil {
			return fmt.Errorf("database: Int64Array element %d: %w", i, err)
		}
	}
	*a = out
	return nil
}

// Value implements driver.Valuer.
func (a Int32Array) Value() (driver.Value, error) { return intLiteral(a), nil }

// Scan implements sql.Scanner.
func (a *Int32Array) Scan(src any) error {
	elems, isNull, err := scanElems(src, "Int32Array")
	if err != nil || isNull {
		*a = nil
		return err
	}
	out := make(Int32Array, len(elems))
	for i, e := range elems {
		if out[i], err = parseInt[int32](e, 32); err != nil {
			return fmt.Errorf("database: Int32Array element %d: %w", i, err)
		}
	}
	*a = out
	return nil
}

// Value implements driver.Valuer. Every element is double-quoted, with backslashes and double
// quotes escaped, so commas, braces, white space, the word NULL and empty strings stay values.
func (a StringArray) Value() (driver.Value, error) {
	if a == nil {
		return nil, nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("database: StringArray element %d contains a NUL byte, which PostgreSQL text cannot hold", i)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range []byte(s) {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// Scan implements sql.Scanner.
func (a *StringArray) Scan(src any) error {
	elems, isNull, err := scanElems(src, "StringArray")
	if err != nil || isNull {
		*a = nil
		return err
	}
	*a = StringArray(elems)
	return nil
}

func intLiteral[T int32 | int64](a []T) driver.Value {
	if a == nil {
		return nil
	}
	b := make([]byte, 0, 2+len(a)*8)
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(append(b, '}'))
}

func parseInt[T int32 | int64](s string, bits int) (T, error) {
	n, err := strconv.ParseInt(s, 10, bits)
	return T(n), err
}

// scanElems reads the elements of a one-dimensional array in PostgreSQL's text output.
func scanElems(src any, typ string) (elems []string, isNull bool, err error) {
	var text string
	switch v := src.(type) {
	case nil:
		return nil, true, nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return nil, false, fmt.Errorf("database: cannot scan %T into a %s", src, typ)
	}
	elems, err = parseArray(text)
	if err != nil {
		return nil, false, fmt.Errorf("database: scan %s: %w", typ, err)
	}
	return elems, false, nil
}

// parseArray parses a one-dimensional array literal as PostgreSQL writes it: {a,"b c",NULL},
// possibly after explicit bounds ([0:1]={a,b}). A NULL element is an error.
func parseArray(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		i := strings.Index(s, "=")
		if i < 0 {
			return nil, fmt.Errorf("malformed array bounds in %q", s)
		}
		if strings.Count(s[:i], "[") > 1 {
			return nil, fmt.Errorf("want a one-dimensional array, got %q", s)
		}
		s = s[i+1:]
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("malformed array %q", s)
	}
	body := s[1 : len(s)-1]
	elems := []string{}
	if body == "" {
		return elems, nil
	}
	for i := 0; ; {
		var elem string
		switch {
		case i < len(body) && body[i] == '{':
			return nil, fmt.Errorf("want a one-dimensional array, got %q", s)
		case i < len(body) && body[i] == '"':
			var b strings.Builder
			i++
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
					if i == len(body) {
						break
					}
				}
				b.WriteByte(body[i])
			}
			if i >= len(body) {
				return nil, fmt.Errorf("unterminated quoted element in %q", s)
			}
			i++ // the closing quote
			elem = b.String()
		default:
			j := strings.IndexByte(body[i:], ',')
			if j < 0 {
				j = len(body) - i
			}
			elem = body[i : i+j]
			if strings.EqualFold(elem, "NULL") {
				return nil, fmt.Errorf("element %d is NULL", len(elems))
			}
			if elem == "" || strings.ContainsAny(elem, `{}"\`) {
				return nil, fmt.Errorf("malformed array %q", s)
			}
			i += j
		}
		elems = append(elems, elem)
		if i == len(body) {
			return elems, nil
		}
		if body[i] != ',' {
			return nil, fmt.Errorf("malformed array %q", s)
		}
		i++
	}
}
