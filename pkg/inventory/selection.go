package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/validation"
)

// Selection is what an inventory sync reads: policy types and whether foundations come along.
// Its canonical form is the run's identity and the drift scope.
type Selection struct {
	PolicyTypes        []string `json:"policy_types"`
	IncludeFoundations bool     `json:"include_foundations"`
}

// InvalidSelection is the summary of the *validation.Error of a selection that is not valid.
const InvalidSelection = "The selection is not valid."

// SupportedPolicyTypes lists the policy type keys a selection may name (foundations come through
// include_foundations).
func SupportedPolicyTypes() []string {
	var keys []string
	for _, t := range graph.PolicyTypes() {
		if !t.Foundation {
			keys = append(keys, t.Key)
		}
	}
	return keys
}

// NormalizeSelection validates a requested selection and returns its canonical form: no
// policy_types means every supported type; the list is sorted and de-duplicated; foundations
// default to included. An invalid selection is a *validation.Error naming policy_types.
func NormalizeSelection(policyTypes []string, policyTypesGiven bool, includeFoundations *bool) (Selection, error) {
	var errs validation.Fields
	sel := Selection{IncludeFoundations: includeFoundations == nil || *includeFoundations}
	if !policyTypesGiven {
		sel.PolicyTypes = SupportedPolicyTypes()
	} else if len(policyTypes) == 0 {
		errs.Add("policy_types", "must name at least one policy type (leave it out to sync all)")
	}
	supported := SupportedPolicyTypes()
	for _, k := range policyTypes {
		t, ok := graph.LookupPolicyType(k)
		switch {
		case !ok:
			errs.Add("policy_types", "unknown policy type "+quote(k)+"; see GET /api/v1/policy-types")
		case t.Foundation:
			errs.Add("policy_types", quote(k)+" is a foundation: use include_foundations")
		case !slices.Contains(sel.PolicyTypes, k) && slices.Contains(supported, k):
			sel.PolicyTypes = append(sel.PolicyTypes, k)
		}
	}
	slices.Sort(sel.PolicyTypes)
	return sel, errs.Invalid(InvalidSelection)
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return `"` + s + `"`
}

// Types lists the policy types the selection reads, foundations included when asked.
func (s Selection) Types() []graph.PolicyType {
	var out []graph.PolicyType
	for _, t := range graph.PolicyTypes() {
		if (t.Foundation && s.IncludeFoundations) || (!t.Foundation && slices.Contains(s.PolicyTypes, t.Key)) {
			out = append(out, t)
		}
	}
	return out
}

// ScopeKey is sha256 of the selection's canonical JSON: the drift scope of the runs that used it.
func (s Selection) ScopeKey() string {
	b, err := operations.CanonicalJSON(s)
	if err != nil {
		panic("inventory: selection does not encode: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
