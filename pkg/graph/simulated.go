package graph

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// SimulatedOptions size a simulated tenant. Zero values take the defaults.
type SimulatedOptions struct {
	PoliciesPerType int // objects of each policy type and foundation, default 12
	Groups          int // Entra groups, default 40
	PageSize        int // objects per page handed to the callbacks, default 100
}

// Simulated is a deterministic, credential-free tenant for the demo and for tests: the same
// (tenant key, generation, options) always give the same objects, ids and all.
//
// Each policy type (and the groups) is a window over an endless sequence of objects. Generation
// N+1 moves every window on by k = max(1, size/20) objects (about 5 %; one at the default sizes):
// k objects are removed (the oldest), k added and k of the survivors modified, so that drift
// between two syncs always finds something. Pass as generation a number that grows with each sync
// of the tenant (for example how many syncs ran before).
type Simulated struct {
	key  string
	gen  int64
	opts SimulatedOptions
}

var _ Provider = (*Simulated)(nil)

// NewSimulated returns the simulated tenant tenantKey (its Entra tenant id) at generation.
// A negative generation counts as 0.
func NewSimulated(tenantKey string, generation int64, opts SimulatedOptions) *Simulated {
	if opts.PoliciesPerType <= 0 {
		opts.PoliciesPerType = 12
	}
	if opts.Groups <= 0 {
		opts.Groups = 40
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	return &Simulated{key: tenantKey, gen: max(generation, 0), opts: opts}
}

// Generation is the generation the tenant shows.
func (s *Simulated) Generation() int64 { return s.gen }

// ListPolicies implements Provider.
func (s *Simulated) ListPolicies(ctx context.Context, policyType string, fn func(page []Object) error) error {
	pt, ok := LookupPolicyType(policyType)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownPolicyType, policyType)
	}
	w := newWindow(s.opts.PoliciesPerType, s.gen)
	for start := w.lo; start < w.hi; start += int64(s.opts.PageSize) {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+int64(s.opts.PageSize), w.hi)
		page := make([]Object, 0, end-start)
		for i := start; i < end; i++ {
			page = append(page, s.object(pt, w, i))
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// ListGroups implements Provider.
func (s *Simulated) ListGroups(ctx context.Context, fn func(page []Group) error) error {
	w := newWindow(s.opts.Groups, s.gen)
	for start := w.lo; start < w.hi; start += int64(s.opts.PageSize) {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+int64(s.opts.PageSize), w.hi)
		page := make([]Group, 0, end-start)
		for i := start; i < end; i++ {
			page = append(page, s.group(w, i))
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// GetPolicy implements Provider: the object as listed, with its assignments.
func (s *Simulated) GetPolicy(ctx context.Context, policyType, id string) (Object, error) {
	pt, ok := LookupPolicyType(policyType)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownPolicyType, policyType)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := newWindow(s.opts.PoliciesPerType, s.gen)
	for i := w.lo; i < w.hi; i++ {
		if s.objectID(pt, i) != id {
			continue
		}
		o := s.object(pt, w, i)
		if pt.HasAssignments {
			o["assignments"] = s.assignments(pt, w, i, o.ID())
		}
		return o, nil
	}
	return nil, &Error{Code: CodeNotFound, Status: 404, GraphCode: "ResourceNotFound",
		Message: sanitize(fmt.Sprintf("%s with id %q was not found", pt.Collection, id))}
}

// window is which objects of one sequence exist at a generation, and which were modified when.
type window struct {
	size     int64 // objects present
	k        int64 // objects removed, added and modified per generation
	gen      int64
	lo, hi   int64 // present: [lo, hi)
	modStart int64 // at generation g ≥ 1, objects [g·k+modStart, g·k+modStart+k) are modified
	canMod   bool
}

func newWindow(size int, gen int64) window {
	n := int64(size)
	k := max(1, n/20)
	w := window{size: n, k: k, gen: gen, lo: gen * k, hi: gen*k + n}
	// The survivors of generation g are [g·k, g·k+n-k); the modified ones sit in their middle.
	w.canMod = n >= 2*k
	w.modStart = (n - 2*k) / 2
	return w
}

// modifiedAt is the generation at which object i is modified (0: never).
func (w window) modifiedAt(i int64) int64 {
	if !w.canMod || i < w.modStart+w.k {
		return 0
	}
	return (i - w.modStart) / w.k
}

// version is 1, or 2 once the object has been modified.
func (w window) version(i int64) int64 {
	if g := w.modifiedAt(i); g >= 1 && g <= w.gen {
		return 2
	}
	return 1
}

// born is the first generation at which object i exists.
func (w window) born(i int64) int64 {
	if i < w.size {
		return 0
	}
	return (i - w.size + w.k) / w.k // ceil((i-size+1)/k)
}

// simEpoch anchors the simulated timestamps: generation g is the day simEpoch + g days.
var simEpoch = time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)

// graphTime formats a time as Graph does.
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// seeded is a small deterministic generator (splitmix64) seeded from a hash.
type seeded struct {
	sum   [32]byte
	state uint64
}

func (s *Simulated) seed(parts ...string) *seeded {
	h := sha256.New()
	h.Write([]byte("tenantatlas-simulated\x00" + s.key))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	r := &seeded{}
	h.Sum(r.sum[:0])
	r.state = binary.BigEndian.Uint64(r.sum[16:24])
	return r
}

func (r *seeded) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *seeded) intn(n int) int         { return int(r.next() % uint64(n)) }
func (r *seeded) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }
func (r *seeded) chance(pct int) bool    { return r.intn(100) < pct }
func (r *seeded) pick(xs []string) string {
	return xs[r.intn(len(xs))]
}
func (r *seeded) guid() string { return guid(r.sum[:16]) }

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func (s *Simulated) objectID(pt PolicyType, i int64) string {
	return s.seed(pt.Key, strconv.FormatInt(i, 10)).guid()
}

var (
	simDepartments = []string{"Finance", "HR", "Sales", "Marketing", "Engineering", "Legal", "Support", "Operations", "Research", "Executive", "Warehouse", "Retail"}
	simRegions     = []string{"EMEA", "APAC", "NA", "LATAM", "DACH", "Nordics", "UK", "ANZ"}
	simRings       = []string{"Pilot", "Ring 1", "Ring 2", "Broad", "Kiosk", "Shared devices", "VIP"}
)

// object builds object i of a type as Graph would return it in a list.
func (s *Simulated) object(pt PolicyType, w window, i int64) Object {
	r := s.seed(pt.Key, strconv.FormatInt(i, 10))
	version := w.version(i)
	created := simEpoch.Add(time.Duration(w.born(i))*24*time.Hour - 30*24*time.Hour + time.Duration(r.intn(1440))*time.Minute)
	minutes := time.Duration(1+r.intn(600)) * time.Minute // drawn whatever the version: later draws must not shift
	modified := created.Add(minutes)
	if version > 1 {
		modified = simEpoch.Add(time.Duration(w.modifiedAt(i))*24*time.Hour + minutes)
	}
	dept, region, ring := r.pick(simDepartments), r.pick(simRegions), r.pick(simRings)
	serial := fmt.Sprintf("%03d", i+1)
	description := fmt.Sprintf("%s devices in %s, %s.", dept, region, ring)
	if version > 1 {
		description += fmt.Sprintf(" Revised %s.", modified.Format("2006-01-02"))
	}
	o := Object{
		"id":                   r.guid(),
		"description":          description,
		"createdDateTime":      graphTime(created),
		"lastModifiedDateTime": graphTime(modified),
		"roleScopeTagIds":      []any{"0"},
	}
	// tune is a numeric setting the modification raises; versioned types carry "version".
	tune, tuneBase, versioned := "", int64(0), false

	switch pt.Key {
	case "deviceConfiguration":
		versioned = true
		o["supportsScopeTags"] = true
		switch r.intn(5) {
		case 0:
			o["@odata.type"] = "#microsoft.graph.windows10GeneralConfiguration"
			o["displayName"] = fmt.Sprintf("WIN - Device restrictions - %s %s", dept, serial)
			o["passwordRequired"] = true
			o["passwordRequiredType"] = "alphanumeric"
			o["defenderRequireRealTimeMonitoring"] = true
			o["screenCaptureBlocked"] = r.chance(30)
			o["bluetoothBlocked"] = r.chance(20)
			o["cameraBlocked"] = r.chance(10)
			tune, tuneBase = "passwordMinimumLength", int64(r.between(8, 12))
		case 1:
			o["@odata.type"] = "#microsoft.graph.windows10EndpointProtectionConfiguration"
			o["displayName"] = fmt.Sprintf("WIN - Endpoint protection - %s %s", region, serial)
			o["bitLockerEncryptDevice"] = true
			o["firewallBlockStatefulFTP"] = r.chance(50)
			o["smartScreenEnableInShell"] = true
			o["defenderAttackSurfaceReductionExcludedPaths"] = []any{}
			o["firewallProfileDomain"] = map[string]any{"firewallEnabled": "allowed", "inboundConnectionsBlocked": r.chance(50)}
			tune, tuneBase = "firewallIdleTimeoutForSecurityAssociationInSeconds", int64(r.between(300, 600))
		case 2:
			o["@odata.type"] = "#microsoft.graph.iosGeneralDeviceConfiguration"
			o["displayName"] = fmt.Sprintf("iOS - Device restrictions - %s %s", dept, serial)
			o["passcodeRequired"] = true
			o["passcodeRequiredType"] = "alphanumeric"
			o["cameraBlocked"] = r.chance(10)
			o["iCloudBlockBackup"] = r.chance(40)
			o["appStoreBlocked"] = false
			tune, tuneBase = "passcodeMinimumLength", int64(r.between(4, 8))
		case 3:
			o["@odata.type"] = "#microsoft.graph.macOSGeneralDeviceConfiguration"
			o["displayName"] = fmt.Sprintf("macOS - Device restrictions - %s %s", dept, serial)
			o["passwordRequired"] = true
			o["passwordBlockSimple"] = true
			o["airDropBlocked"] = r.chance(50)
			o["iCloudBlockDocumentSync"] = r.chance(30)
			tune, tuneBase = "passwordMinimumLength", int64(r.between(8, 12))
		default:
			o["@odata.type"] = "#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration"
			o["displayName"] = fmt.Sprintf("Android - Work profile - %s %s", dept, serial)
			o["passwordRequiredType"] = "numericComplex"
			o["workProfileBlockCamera"] = r.chance(20)
			o["workProfileDataSharingType"] = "preventAny"
			tune, tuneBase = "passwordMinimumLength", int64(r.between(6, 10))
		}
	case "deviceCompliancePolicy":
		versioned = true
		switch r.intn(4) {
		case 0:
			o["@odata.type"] = "#microsoft.graph.windows10CompliancePolicy"
			o["displayName"] = fmt.Sprintf("WIN - Compliance - %s %s", dept, serial)
			o["passwordRequired"] = true
			o["osMinimumVersion"] = r.pick([]string{"10.0.19045", "10.0.22621", "10.0.22631"})
			o["bitLockerEnabled"] = true
			o["secureBootEnabled"] = true
			o["codeIntegrityEnabled"] = r.chance(70)
			o["storageRequireEncryption"] = true
			o["defenderEnabled"] = true
			tune, tuneBase = "passwordMinimumLength", int64(r.between(8, 12))
		case 1:
			o["@odata.type"] = "#microsoft.graph.iosCompliancePolicy"
			o["displayName"] = fmt.Sprintf("iOS - Compliance - %s %s", dept, serial)
			o["passcodeRequired"] = true
			o["osMinimumVersion"] = r.pick([]string{"16.0", "17.0", "17.4"})
			o["securityBlockJailbrokenDevices"] = true
			o["deviceThreatProtectionEnabled"] = r.chance(30)
			tune, tuneBase = "passcodeMinimumLength", int64(r.between(4, 8))
		case 2:
			o["@odata.type"] = "#microsoft.graph.androidWorkProfileCompliancePolicy"
			o["displayName"] = fmt.Sprintf("Android - Compliance - %s %s", dept, serial)
			o["passwordRequired"] = true
			o["osMinimumVersion"] = r.pick([]string{"11.0", "12.0", "13.0"})
			o["securityBlockJailbrokenDevices"] = true
			o["storageRequireEncryption"] = true
			tune, tuneBase = "passwordMinimumLength", int64(r.between(6, 10))
		default:
			o["@odata.type"] = "#microsoft.graph.macOSCompliancePolicy"
			o["displayName"] = fmt.Sprintf("macOS - Compliance - %s %s", dept, serial)
			o["passwordRequired"] = true
			o["osMinimumVersion"] = r.pick([]string{"13.0", "14.0", "14.5"})
			o["storageRequireEncryption"] = true
			o["firewallEnabled"] = true
			o["systemIntegrityProtectionEnabled"] = true
			tune, tuneBase = "passwordMinimumLength", int64(r.between(8, 12))
		}
	case "configurationPolicy":
		// Settings catalog policies have a name, no displayName, and no version.
		platform := r.pick([]string{"windows10", "windows10", "macOS", "iOS"})
		o["@odata.type"] = "#microsoft.graph.deviceManagementConfigurationPolicy"
		o["name"] = fmt.Sprintf("SC - %s - %s %s", map[string]string{"windows10": "WIN", "macOS": "macOS", "iOS": "iOS"}[platform], dept, serial)
		o["platforms"] = platform
		o["technologies"] = "mdm"
		o["creationSource"] = nil
		o["isAssigned"] = r.chance(80)
		o["priorityMetaData"] = nil
		o["templateReference"] = map[string]any{"templateId": "", "templateFamily": "none", "templateDisplayName": nil, "templateDisplayVersion": nil}
		tune, tuneBase = "settingCount", int64(r.between(3, 40))
	case "groupPolicyConfiguration":
		o["@odata.type"] = "#microsoft.graph.groupPolicyConfiguration"
		o["displayName"] = fmt.Sprintf("ADMX - %s - %s %s", r.pick([]string{"Edge", "OneDrive", "Office", "Windows Update", "Chrome"}), dept, serial)
		o["policyConfigurationIngestionType"] = "builtIn"
	case "windowsAutopilotDeploymentProfile":
		if r.chance(75) {
			o["@odata.type"] = "#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"
		} else {
			o["@odata.type"] = "#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile"
			o["hybridAzureADJoinSkipConnectivityCheck"] = r.chance(50)
		}
		o["displayName"] = fmt.Sprintf("Autopilot - %s %s", region, serial)
		o["language"] = r.pick([]string{"os-default", "en-US", "de-DE", "fr-FR"})
		o["deviceNameTemplate"] = fmt.Sprintf("%s-%%SERIAL%%", region)
		o["deviceType"] = "windowsPc"
		o["enableWhiteGlove"] = r.chance(50)
		o["extractHardwareHash"] = r.chance(50)
		o["managementServiceAppId"] = nil
		o["outOfBoxExperienceSettings"] = map[string]any{
			"hidePrivacySettings":       true,
			"hideEULA":                  true,
			"userType":                  r.pick([]string{"standard", "administrator"}),
			"deviceUsageType":           r.pick([]string{"singleUser", "shared"}),
			"skipKeyboardSelectionPage": r.chance(50),
			"hideEscapeLink":            true,
		}
	case "deviceEnrollmentConfiguration":
		versioned = true
		o["priority"] = num(i + 1)
		switch r.intn(3) {
		case 0:
			o["@odata.type"] = "#microsoft.graph.deviceEnrollmentLimitConfiguration"
			o["displayName"] = fmt.Sprintf("Enrollment limit - %s %s", dept, serial)
			o["deviceEnrollmentConfigurationType"] = "limit"
			tune, tuneBase = "limit", int64(r.between(3, 15))
		case 1:
			o["@odata.type"] = "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration"
			o["displayName"] = fmt.Sprintf("ESP - %s %s", region, serial)
			o["deviceEnrollmentConfigurationType"] = "windows10EnrollmentCompletionPageConfiguration"
			o["showInstallationProgress"] = true
			o["blockDeviceSetupRetryByUser"] = r.chance(50)
			o["allowDeviceResetOnInstallFailure"] = r.chance(50)
			o["customErrorMessage"] = "Setup could not complete. Contact the " + dept + " service desk."
			tune, tuneBase = "installProgressTimeoutInMinutes", int64(r.between(6, 12)*10)
		default:
			platform := r.pick([]string{"ios", "android", "windows", "mac"})
			o["@odata.type"] = "#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration"
			o["displayName"] = fmt.Sprintf("Restriction - %s - %s %s", platform, dept, serial)
			o["deviceEnrollmentConfigurationType"] = "singlePlatformRestriction"
			o["platformType"] = platform
			o["platformRestriction"] = map[string]any{
				"platformBlocked":                 false,
				"personalDeviceEnrollmentBlocked": r.chance(60),
				"osMinimumVersion":                "",
				"osMaximumVersion":                "",
				"blockedManufacturers":            []any{},
			}
		}
	case "roleScopeTag":
		o["@odata.type"] = "#microsoft.graph.roleScopeTag"
		o["displayName"] = fmt.Sprintf("%s-%s %s", region, dept, serial)
		o["isBuiltIn"] = false
		delete(o, "roleScopeTagIds")
		delete(o, "createdDateTime")
		delete(o, "lastModifiedDateTime")
	case "assignmentFilter":
		platform := r.pick([]string{"windows10AndLater", "iOS", "android", "macOS"})
		o["@odata.type"] = "#microsoft.graph.deviceAndAppManagementAssignmentFilter"
		o["displayName"] = fmt.Sprintf("Filter - %s - %s %s", platform, dept, serial)
		o["platform"] = platform
		o["assignmentFilterManagementType"] = "devices"
		o["roleScopeTags"] = []any{"0"}
		delete(o, "roleScopeTagIds")
		rule := fmt.Sprintf(`(device.deviceOwnership -eq "Corporate") and (device.deviceName -startsWith "%s-")`, region)
		if version > 1 {
			rule += ` and (device.manufacturer -ne "Virtual")`
		}
		o["rule"] = rule
	case "notificationMessageTemplate":
		o["@odata.type"] = "#microsoft.graph.notificationMessageTemplate"
		o["displayName"] = fmt.Sprintf("Non-compliance notice - %s %s", dept, serial)
		o["defaultLocale"] = r.pick([]string{"en-US", "de-DE", "fr-FR"})
		o["brandingOptions"] = r.pick([]string{"includeCompanyLogo,includeCompanyName", "includeContactInformation", "none"})
		delete(o, "createdDateTime")
	}
	if tune != "" {
		bump := int64(0)
		if version > 1 {
			bump = 2
			if tuneBase >= 60 {
				bump = 30
			}
		}
		o[tune] = num(tuneBase + bump)
	}
	if versioned {
		o["version"] = num(version)
	}
	return o
}

// assignments of object i: one or two of the groups that were newest when it was created, and
// now and then all devices.
func (s *Simulated) assignments(pt PolicyType, w window, i int64, objectID string) []any {
	r := s.seed(pt.Key, strconv.FormatInt(i, 10), "assignments")
	gw := newWindow(s.opts.Groups, s.gen)
	newest := w.born(i)*gw.k + gw.size - 1
	var out []any
	seen := map[string]bool{}
	for n := 1 + r.intn(2); n > 0; n-- {
		j := max(newest-int64(r.intn(int(min(gw.size, 4*gw.k)))), 0)
		gid := s.groupID(j)
		if seen[gid] {
			continue
		}
		seen[gid] = true
		target := map[string]any{
			"@odata.type": "#microsoft.graph.groupAssignmentTarget",
			"groupId":     gid,
			"deviceAndAppManagementAssignmentFilterId":   nil,
			"deviceAndAppManagementAssignmentFilterType": "none",
		}
		if r.chance(15) {
			target["@odata.type"] = "#microsoft.graph.exclusionGroupAssignmentTarget"
		}
		out = append(out, map[string]any{"id": objectID + "_" + gid, "target": target})
	}
	if r.chance(30) {
		out = append(out, map[string]any{"id": objectID + "_adadadad-808e-44e2-905a-0b7873a8a531", "target": map[string]any{
			"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
			"deviceAndAppManagementAssignmentFilterId":   nil,
			"deviceAndAppManagementAssignmentFilterType": "none",
		}})
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func (s *Simulated) groupID(j int64) string {
	return s.seed("group", strconv.FormatInt(j, 10)).guid()
}

// group builds group j: about half security groups (some dynamic, some mail-enabled), a third
// Microsoft 365 groups and the rest distribution lists. A modified group is renamed.
func (s *Simulated) group(w window, j int64) Group {
	r := s.seed("group", strconv.FormatInt(j, 10))
	dept, region := r.pick(simDepartments), r.pick(simRegions)
	serial := fmt.Sprintf("%03d", j+1)
	g := Group{ID: r.guid(), GroupTypes: []string{}}
	switch k := r.intn(100); {
	case k < 40:
		g.DisplayName = fmt.Sprintf("SG-Intune-%s-%s-Devices-%s", dept, region, serial)
		g.SecurityEnabled = true
	case k < 50:
		g.DisplayName = fmt.Sprintf("SG-Dyn-%s-%s-%s", dept, region, serial)
		g.SecurityEnabled = true
		g.GroupTypes = []string{"DynamicMembership"}
	case k < 57:
		g.DisplayName = fmt.Sprintf("MESG-%s-%s-%s", dept, region, serial)
		g.SecurityEnabled, g.MailEnabled = true, true
	case k < 90:
		g.DisplayName = fmt.Sprintf("M365 - %s %s Team %s", dept, region, serial)
		g.GroupTypes = []string{"Unified"}
		g.MailEnabled = true
	default:
		g.DisplayName = fmt.Sprintf("DL-%s-%s-%s", dept, region, serial)
		g.MailEnabled = true
	}
	if w.version(j) > 1 {
		g.DisplayName += " (renamed)"
	}
	return g
}
