package drift

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Change types of a finding.
const (
	ChangeAdded    = "added"    // only in the current run
	ChangeRemoved  = "removed"  // only in the baseline run
	ChangeModified = "modified" // in both, with different content hashes
)

// Severities of a finding.
const (
	SeverityLow    = "low"
	SeverityMedium = "medium"
	SeverityHigh   = "high"
)

// Wildcard stands for any change type or any subject type in a severity rule.
const Wildcard = "*"

// Severities is the severity table of the generator: rules keyed "<change_type>:<subject_type>",
// either part may be the wildcard "*", valued low, medium or high. The most specific rule wins:
//
//  1. "<change_type>:<subject_type>", e.g. "removed:deviceCompliancePolicy"
//  2. "<change_type>:*", e.g. "added:*"
//  3. "*:<subject_type>", e.g. "*:deviceConfiguration"
//  4. "*:*"
//  5. medium, when no rule matches.
//
// The defaults (DefaultSeverities) rate a removed compliance policy high (devices stop being
// evaluated against it), any other removal and any modification medium, and an addition low.
// TENANTATLAS_DRIFT_SEVERITY overrides or adds rules as a JSON object of the same keys, e.g.
// {"removed:deviceCompliancePolicy":"high","added:*":"low"}; see NewSeverities.
type Severities map[string]string

// DefaultSeverities returns the default table; each call returns a new map.
func DefaultSeverities() Severities {
	return Severities{
		ChangeRemoved + ":deviceCompliancePolicy": SeverityHigh,
		ChangeRemoved + ":" + Wildcard:            SeverityMedium,
		ChangeModified + ":" + Wildcard:           SeverityMedium,
		ChangeAdded + ":" + Wildcard:              SeverityLow,
	}
}

var subjectTypePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,63}$`)

// ValidateSeverityRule checks one rule: the key is "<change_type>:<subject_type>" with a change
// type of added, removed, modified or "*" and a policy type key or "*"; the value is low, medium
// or high.
func ValidateSeverityRule(key, severity string) error {
	change, subject, ok := strings.Cut(key, ":")
	switch {
	case !ok:
		return fmt.Errorf("severity rule %q: want <change_type>:<subject_type>, e.g. removed:deviceCompliancePolicy", key)
	case !slices.Contains([]string{ChangeAdded, ChangeRemoved, ChangeModified, Wildcard}, change):
		return fmt.Errorf("severity rule %q: change type must be added, removed, modified or *", key)
	case subject != Wildcard && !subjectTypePattern.MatchString(subject):
		return fmt.Errorf("severity rule %q: subject type must be a policy type key or *", key)
	case !slices.Contains([]string{SeverityLow, SeverityMedium, SeverityHigh}, severity):
		return fmt.Errorf("severity rule %q: severity must be low, medium or high, not %q", key, severity)
	}
	return nil
}

// NewSeverities returns the default table with the overrides applied on top (an override of an
// existing key replaces it; a new key adds a rule). Every override is validated.
func NewSeverities(overrides map[string]string) (Severities, error) {
	s := DefaultSeverities()
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		if err := ValidateSeverityRule(k, overrides[k]); err != nil {
			return nil, err
		}
		s[k] = overrides[k]
	}
	return s, nil
}

// For returns the severity of a change of a subject type by the most specific matching rule.
func (s Severities) For(changeType, subjectType string) string {
	for _, k := range []string{changeType + ":" + subjectType, changeType + ":" + Wildcard,
		Wildcard + ":" + subjectType, Wildcard + ":" + Wildcard} {
		if v, ok := s[k]; ok {
			return v
		}
	}
	return SeverityMedium
}

// rules returns the table as parallel arrays (change type, subject type, severity) for SQL.
func (s Severities) rules() (changes, subjects, severities []string) {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		change, subject, _ := strings.Cut(k, ":")
		changes, subjects, severities = append(changes, change), append(subjects, subject), append(severities, s[k])
	}
	return changes, subjects, severities
}
