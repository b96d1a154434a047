package graph

import (
	"slices"
	"strings"
	"testing"
)

func TestPolicyTypes(t *testing.T) {
	t.Parallel()
	want := []struct{ key, collection, label, category string }{
		{"deviceConfiguration", "deviceManagement/deviceConfigurations", "Device configuration", "Configuration"},
		{"deviceCompliancePolicy", "deviceManagement/deviceCompliancePolicies", "Compliance policy", "Compliance"},
		{"configurationPolicy", "deviceManagement/configurationPolicies", "Settings catalog policy", "Configuration"},
		{"groupPolicyConfiguration", "deviceManagement/groupPolicyConfigurations", "Administrative template", "Configuration"},
		{"windowsAutopilotDeploymentProfile", "deviceManagement/windowsAutopilotDeploymentProfiles", "Autopilot profile", "Enrollment"},
		{"deviceEnrollmentConfiguration", "deviceManagement/deviceEnrollmentConfigurations", "Enrollment configuration", "Enrollment"},
		{"roleScopeTag", "deviceManagement/roleScopeTags", "Scope tag", "Foundations"},
		{"assignmentFilter", "deviceManagement/assignmentFilters", "Assignment filter", "Foundations"},
		{"notificationMessageTemplate", "deviceManagement/notificationMessageTemplates", "Notification template", "Foundations"},
	}
	got := PolicyTypes()
	if len(got) != len(want) {
		t.Fatalf("%d types", len(got))
	}
	for i, w := range want {
		pt := got[i]
		if pt.Key != w.key || pt.Collection != w.collection || pt.Label != w.label || pt.Category != w.category {
			t.Fatalf("type %d = %+v, want %+v", i, pt, w)
		}
		if pt.Foundation != (w.category == "Foundations") {
			t.Fatalf("%s foundation = %v", pt.Key, pt.Foundation)
		}
		if pt.Restorable != (pt.Key != "notificationMessageTemplate") {
			t.Fatalf("%s restorable = %v", pt.Key, pt.Restorable)
		}
		if l, ok := LookupPolicyType(w.key); !ok || l != pt {
			t.Fatalf("LookupPolicyType(%s) = %+v, %v", w.key, l, ok)
		}
		plural := w.collection[strings.LastIndexByte(w.collection, '/')+1:]
		if _, ok := LookupPolicyType(plural); ok {
			t.Fatalf("the collection name %s is not a key", plural)
		}
	}
	got[0].Label = "changed"
	if PolicyTypes()[0].Label != "Device configuration" {
		t.Fatal("PolicyTypes hands out the registry itself")
	}
	if _, ok := LookupPolicyType("DeviceConfiguration"); ok {
		t.Fatal("keys are case-sensitive")
	}
	if k := PolicyTypeKeys(false); len(k) != 6 || slices.Contains(k, "roleScopeTag") {
		t.Fatalf("PolicyTypeKeys(false) = %v", k)
	}
	if k := PolicyTypeKeys(true); len(k) != 9 || k[8] != "notificationMessageTemplate" {
		t.Fatalf("PolicyTypeKeys(true) = %v", k)
	}
}

func TestPlatformOf(t *testing.T) {
	t.Parallel()
	dc, _ := LookupPolicyType("deviceConfiguration")
	sc, _ := LookupPolicyType("configurationPolicy")
	af, _ := LookupPolicyType("assignmentFilter")
	ap, _ := LookupPolicyType("windowsAutopilotDeploymentProfile")
	rs, _ := LookupPolicyType("roleScopeTag")
	cases := []struct {
		pt   PolicyType
		o    Object
		want string
	}{
		{dc, Object{"@odata.type": "#microsoft.graph.windows10GeneralConfiguration"}, PlatformWindows},
		{dc, Object{"@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration"}, PlatformIOS},
		{dc, Object{"@odata.type": "#microsoft.graph.macOSGeneralDeviceConfiguration"}, PlatformMacOS},
		{dc, Object{"@odata.type": "#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration"}, PlatformAndroid},
		{dc, Object{"@odata.type": "#microsoft.graph.somethingNew"}, PlatformAll},
		{sc, Object{"platforms": "windows10"}, PlatformWindows},
		{sc, Object{"platforms": "linux"}, PlatformLinux},
		{af, Object{"platform": "windows10AndLater"}, PlatformWindows},
		{af, Object{"platform": "iOS"}, PlatformIOS},
		{ap, Object{}, PlatformWindows},
		{rs, Object{"@odata.type": "#microsoft.graph.roleScopeTag"}, PlatformAll},
	}
	for _, c := range cases {
		if got := c.pt.PlatformOf(c.o); got != c.want {
			t.Errorf("%s.PlatformOf(%v) = %s, want %s", c.pt.Key, c.o, got, c.want)
		}
	}
	if (Object{"name": "SC policy"}).DisplayName() != "SC policy" || (Object{"displayName": "A", "name": "B"}).DisplayName() != "A" {
		t.Fatal("DisplayName")
	}
}
