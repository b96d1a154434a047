package validation_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tenantatlas/operations/pkg/validation"
)

func TestError(t *testing.T) {
	var fs validation.Fields
	if err := fs.Invalid("The selection is not valid."); err != nil {
		t.Fatalf("no fields: %v", err)
	}
	fs.Add("policy_types", "must name at least one policy type")
	fs.Add("days_of_week", "only a weekly schedule has days of the week")
	if !fs.Has("days_of_week") || fs.Has("name") {
		t.Fatal("Has")
	}
	err := fmt.Errorf("create schedule: %w", fs.Invalid("The backup schedule is not valid."))
	v, ok := validation.As(err)
	if !ok || v.Malformed || len(v.Fields) != 2 || v.Summary != "The backup schedule is not valid." {
		t.Fatalf("As = %+v, %v", v, ok)
	}
	var target *validation.Error
	if !errors.As(err, &target) || target != v {
		t.Fatal("errors.As")
	}
	want := "create schedule: The backup schedule is not valid: policy_types: must name at least one policy type; days_of_week: only a weekly schedule has days of the week"
	if err.Error() != want {
		t.Fatalf("Error() = %q", err.Error())
	}
	if _, ok := validation.As(errors.New("other")); ok {
		t.Fatal("As on another error")
	}
	if got := (&validation.Error{}).Error(); got != "invalid input" {
		t.Fatalf("empty Error() = %q", got)
	}
}
