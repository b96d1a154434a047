package graph

import "strings"

// PolicyType is one kind of Intune object TenantAtlas reads: a policy type or a foundation.
type PolicyType struct {
	// Key is the singular Graph name, the identifier used everywhere (API, inventory, backups).
	Key string `json:"key"`
	// Collection is the Graph collection path relative to the API root, e.g.
	// "deviceManagement/deviceConfigurations".
	Collection string `json:"collection"`
	Label      string `json:"label"`
	Category   string `json:"category"`
	// Platform is the platform hint of the whole type: "windows" when every object of the type is
	// for Windows, else "all" (the platform varies per object; see PlatformOf).
	Platform string `json:"platform"`
	// Foundation marks the objects policies refer to (scope tags, filters, notification templates).
	Foundation bool `json:"foundation"`
	// Restorable says whether TenantAtlas can restore an object of this type from a backup.
	Restorable bool `json:"restorable"`
	// HasAssignments says whether objects of this type have an assignments navigation property,
	// which GetPolicy expands.
	HasAssignments bool `json:"has_assignments"`
}

// The Graph object categories.
const (
	CategoryConfiguration = "Configuration"
	CategoryCompliance    = "Compliance"
	CategoryEnrollment    = "Enrollment"
	CategoryFoundations   = "Foundations"
)

// Platforms PlatformOf answers with.
const (
	PlatformAll     = "all"
	PlatformWindows = "windows"
	PlatformMacOS   = "macOS"
	PlatformIOS     = "iOS"
	PlatformAndroid = "android"
	PlatformLinux   = "linux"
)

// policyTypes is the one declaration of the supported types, policy types first, in display order.
var policyTypes = []PolicyType{
	{Key: "deviceConfiguration", Collection: "deviceManagement/deviceConfigurations", Label: "Device configuration", Category: CategoryConfiguration, Platform: PlatformAll, Restorable: true, HasAssignments: true},
	{Key: "deviceCompliancePolicy", Collection: "deviceManagement/deviceCompliancePolicies", Label: "Compliance policy", Category: CategoryCompliance, Platform: PlatformAll, Restorable: true, HasAssignments: true},
	{Key: "configurationPolicy", Collection: "deviceManagement/configurationPolicies", Label: "Settings catalog policy", Category: CategoryConfiguration, Platform: PlatformAll, Restorable: true, HasAssignments: true},
	{Key: "groupPolicyConfiguration", Collection: "deviceManagement/groupPolicyConfigurations", Label: "Administrative template", Category: CategoryConfiguration, Platform: PlatformWindows, Restorable: true, HasAssignments: true},
	{Key: "windowsAutopilotDeploymentProfile", Collection: "deviceManagement/windowsAutopilotDeploymentProfiles", Label: "Autopilot profile", Category: CategoryEnrollment, Platform: PlatformWindows, Restorable: true, HasAssignments: true},
	{Key: "deviceEnrollmentConfiguration", Collection: "deviceManagement/deviceEnrollmentConfigurations", Label: "Enrollment configuration", Category: CategoryEnrollment, Platform: PlatformAll, Restorable: true, HasAssignments: true},
	{Key: "roleScopeTag", Collection: "deviceManagement/roleScopeTags", Label: "Scope tag", Category: CategoryFoundations, Platform: PlatformAll, Foundation: true, Restorable: true, HasAssignments: true},
	{Key: "assignmentFilter", Collection: "deviceManagement/assignmentFilters", Label: "Assignment filter", Category: CategoryFoundations, Platform: PlatformAll, Foundation: true, Restorable: true},
	{Key: "notificationMessageTemplate", Collection: "deviceManagement/notificationMessageTemplates", Label: "Notification template", Category: CategoryFoundations, Platform: PlatformAll, Foundation: true},
}

var policyTypeIndex = func() map[string]int {
	m := make(map[string]int, len(policyTypes))
	for i, pt := range policyTypes {
		m[pt.Key] = i
	}
	return m
}()

// PolicyTypes lists every supported type, policy types first and foundations last. The slice is
// the caller's to keep.
func PolicyTypes() []PolicyType {
	return append([]PolicyType(nil), policyTypes...)
}

// LookupPolicyType finds a type by its key (exact, case-sensitive: "deviceConfiguration").
func LookupPolicyType(key string) (PolicyType, bool) {
	i, ok := policyTypeIndex[key]
	if !ok {
		return PolicyType{}, false
	}
	return policyTypes[i], true
}

// PolicyTypeKeys lists the keys of the policy types, followed by the foundations' when
// includeFoundations is set: the selection "all types".
func PolicyTypeKeys(includeFoundations bool) []string {
	keys := make([]string, 0, len(policyTypes))
	for _, pt := range policyTypes {
		if !pt.Foundation || includeFoundations {
			keys = append(keys, pt.Key)
		}
	}
	return keys
}

// PlatformOf tells the platform of one object of this type: from the object's platform fields
// ("platforms" of settings catalog policies, "platform" of filters) or its @odata.type
// ("#microsoft.graph.iosCompliancePolicy" → iOS), else the type's hint. The answer is one of
// windows, macOS, iOS, android, linux, all.
func (pt PolicyType) PlatformOf(o Object) string {
	if pt.Platform != PlatformAll {
		return pt.Platform
	}
	for _, field := range []string{"platforms", "platform"} {
		if s, ok := o[field].(string); ok {
			if p := platformFromName(s); p != "" {
				return p
			}
		}
	}
	if p := platformFromName(strings.TrimPrefix(o.ODataType(), "#microsoft.graph.")); p != "" {
		return p
	}
	return pt.Platform
}

// platformFromName reads a platform off a Graph name such as "windows10GeneralConfiguration",
// "iOS", "androidWorkProfileCompliancePolicy", "macOS", "windows10AndLater".
func platformFromName(s string) string {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "windows"), strings.HasPrefix(l, "win32"), strings.HasPrefix(l, "sharedpc"), strings.HasPrefix(l, "editionupgrade"):
		return PlatformWindows
	case strings.HasPrefix(l, "macos"):
		return PlatformMacOS
	case strings.HasPrefix(l, "ios"), strings.HasPrefix(l, "ipad"):
		return PlatformIOS
	case strings.HasPrefix(l, "android"), strings.HasPrefix(l, "aosp"):
		return PlatformAndroid
	case strings.HasPrefix(l, "linux"):
		return PlatformLinux
	}
	return ""
}
