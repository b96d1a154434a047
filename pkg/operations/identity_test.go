package operations_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/tenantatlas/operations/pkg/operations"
)

func TestCanonicalJSON(t *testing.T) {
	type selection struct {
		PolicyTypes        []string `json:"policy_types"`
		IncludeFoundations bool     `json:"include_foundations"`
	}
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"sorted keys", map[string]any{"b": 1, "a": 2, "c": map[string]any{"z": true, "y": nil}},
			`{"a":2,"b":1,"c":{"y":null,"z":true}}`},
		{"string arrays sorted", map[string]any{"policy_types": []string{"deviceConfiguration", "configurationPolicy", "deviceCompliancePolicy"}},
			`{"policy_types":["configurationPolicy","deviceCompliancePolicy","deviceConfiguration"]}`},
		{"other arrays keep order", []any{3, 1, "a", 2}, `[3,1,"a",2]`},
		{"arrays of objects keep order", []any{map[string]any{"b": 1, "a": 1}, map[string]any{"a": 0}},
			`[{"a":1,"b":1},{"a":0}]`},
		{"numbers as written", json.RawMessage(`{"n":1.0,"m":1e3,"k":12345678901234567890}`), `{"k":12345678901234567890,"m":1e3,"n":1.0}`},
		{"no HTML escaping", map[string]string{"q": "a<b&c>"}, `{"q":"a<b&c>"}`},
		{"struct tags", selection{PolicyTypes: []string{"b", "a"}, IncludeFoundations: true},
			`{"include_foundations":true,"policy_types":["a","b"]}`},
		{"escapes", "line\n\"quoted\"\t\u2028", `"line\n\"quoted\"\t\u2028"`},
		{"empty", map[string]any{"a": []string{}, "b": map[string]any{}}, `{"a":[],"b":{}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := operations.CanonicalJSON(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("CanonicalJSON = %s, want %s", got, c.want)
			}
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
		})
	}
	if _, err := operations.CanonicalJSON(math.NaN()); err == nil {
		t.Fatal("NaN encoded")
	}
}

func TestCanonicalJSONOrderIndependent(t *testing.T) {
	a := map[string]any{
		"policy_types":        []string{"deviceConfiguration", "deviceCompliancePolicy", "groupPolicyConfiguration"},
		"include_foundations": true,
		"filters":             map[string]any{"platform": "windows10", "category": "security"},
	}
	b := json.RawMessage(`{"filters":{"category":"security","platform":"windows10"},"include_foundations":true,
		"policy_types":["groupPolicyConfiguration","deviceConfiguration","deviceCompliancePolicy"]}`)
	ca, err := operations.CanonicalJSON(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := operations.CanonicalJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ca) != string(cb) {
		t.Fatalf("%s != %s", ca, cb)
	}
	ha, _ := operations.IdentityHash(7, "inventory_sync", a)
	hb, _ := operations.IdentityHash(7, "inventory_sync", b)
	if ha != hb || len(ha) != 64 {
		t.Fatalf("hashes %s, %s", ha, hb)
	}
}

func TestIdentityHashDistinguishes(t *testing.T) {
	base, _ := operations.IdentityHash(7, "inventory_sync", map[string]any{"policy_types": []string{"a"}})
	for name, h := range map[string]func() (string, error){
		"scope": func() (string, error) {
			return operations.IdentityHash(8, "inventory_sync", map[string]any{"policy_types": []string{"a"}})
		},
		"type": func() (string, error) {
			return operations.IdentityHash(7, "entra_group_sync", map[string]any{"policy_types": []string{"a"}})
		},
		"inputs": func() (string, error) {
			return operations.IdentityHash(7, "inventory_sync", map[string]any{"policy_types": []string{"b"}})
		},
		"nil": func() (string, error) { return operations.IdentityHash(7, "inventory_sync", nil) },
		// The separator keeps scope and type apart: 7 + "1inventory" is not 71 + "inventory".
		"boundary": func() (string, error) {
			return operations.IdentityHash(71, "nventory_sync", map[string]any{"policy_types": []string{"a"}})
		},
	} {
		got, err := h()
		if err != nil {
			t.Fatal(err)
		}
		if got == base {
			t.Errorf("%s: same hash", name)
		}
	}
	if _, err := operations.IdentityHash(7, "inventory_sync", make(chan int)); err == nil {
		t.Error("unencodable inputs hashed")
	}
}
