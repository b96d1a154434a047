package operations_test

import (
	"fmt"

	"github.com/tenantatlas/operations/pkg/operations"
)

func ExampleCanonicalJSON() {
	a, _ := operations.CanonicalJSON(map[string]any{
		"policy_types":        []string{"deviceConfiguration", "configurationPolicy"},
		"include_foundations": true,
	})
	b, _ := operations.CanonicalJSON(map[string]any{
		"include_foundations": true,
		"policy_types":        []string{"configurationPolicy", "deviceConfiguration"},
	})
	fmt.Println(string(a))
	fmt.Println(string(a) == string(b))
	// Output:
	// {"include_foundations":true,"policy_types":["configurationPolicy","deviceConfiguration"]}
	// true
}

func ExampleSanitizeFailures() {
	failures := operations.SanitizeFailures([]operations.Failure{
		{Code: "graph.unauthorized", Message: "token request failed: client_secret=Qx8Q~m2lD.vG5k"},
		{Code: "graph.unauthorized", Message: "token request failed: client_secret=Qx8Q~m2lD.vG5k"},
		{Code: "not a code!", Message: "Authorization: Bearer 0.AXkA5o2Kd1-opaque"},
	})
	for _, f := range failures {
		fmt.Printf("%s ×%d: %s\n", f.Code, f.Count, f.Message)
	}
	// Output:
	// graph.unauthorized ×2: token request failed: client_secret=[redacted]
	// unknown ×1: Authorization: [redacted]
}

func ExampleLabelFor() {
	fmt.Println(operations.LabelFor("inventory_sync"), "/", operations.CapabilityFor("inventory_sync"))
	fmt.Println(operations.LabelFor("inventory.sync"), "/", operations.CapabilityFor("inventory.sync"))
	// Output:
	// Inventory sync / tenant.inventory.sync
	// Unknown operation / tenant.operations.view
}
