// Package validation is the one shape of "the input is not valid" that domain packages return:
// a summary for people and one entry per offending field, named as the API names it. The HTTP
// layer maps it to a problem (400 when malformed, else 422) in one place.
package validation

import (
	"errors"
	"strings"
)

// Field says what is wrong with one input field.
type Field struct {
	Field   string
	Message string
}

// Error is invalid input. Malformed marks input that does not even have the right shape (a
// 400); otherwise the values are well-formed but not acceptable (a 422). Summary says in one
// sentence what was not valid ("The backup schedule is not valid.").
type Error struct {
	Malformed bool
	Summary   string
	Fields    []Field
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(e.Summary, "."))
	if b.Len() == 0 {
		b.WriteString("invalid input")
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Message)
	}
	return b.String()
}

// As returns the *Error in err's chain, if there is one.
func As(err error) (*Error, bool) {
	var v *Error
	ok := errors.As(err, &v)
	return v, ok
}

// Fields collects field errors while an input is checked.
type Fields []Field

// Add records what is wrong with field.
func (fs *Fields) Add(field, message string) { *fs = append(*fs, Field{field, message}) }

// Has reports whether field has an error already.
func (fs Fields) Has(field string) bool {
	for _, f := range fs {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Invalid is nil when nothing was recorded, else an *Error (a 422) with summary.
func (fs Fields) Invalid(summary string) error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Summary: summary, Fields: fs}
}
