package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tenantatlas/operations/pkg/operations"
)

// volatileFields change without the policy changing; they are left out of the content hash.
var volatileFields = map[string]bool{
	"@odata.context": true, "@odata.etag": true, "@odata.nextLink": true, "@odata.id": true, "@odata.editLink": true,
	"lastModifiedDateTime": true, "createdDateTime": true, "version": true, "assignments@odata.context": true,
}

// ContentHash is sha256 of the object's normalised JSON (sorted keys, volatile fields removed).
func ContentHash(obj map[string]any) (string, error) {
	clean := make(map[string]any, len(obj))
	for k, v := range obj {
		if !volatileFields[k] {
			clean[k] = v
		}
	}
	b, err := operations.CanonicalJSON(clean)
	if err != nil {
		return "", fmt.Errorf("content hash: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// metaFields are the only fields of a Graph object kept in an item's meta.
var metaFields = []string{"@odata.type", "description", "version", "lastModifiedDateTime", "createdDateTime",
	"platforms", "platform", "technologies", "roleScopeTagIds", "isAssigned"}

// Meta keeps the allow-listed fields of an object, with long strings cut.
func Meta(obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range metaFields {
		v, ok := obj[k]
		if !ok || v == nil {
			continue
		}
		if s, isString := v.(string); isString && len(s) > 500 {
			v = s[:500] + "…"
		}
		out[k] = v
	}
	return out
}

// Platform guesses an item's platform from its Graph type or platform fields.
func Platform(obj map[string]any) string {
	for _, k := range []string{"platforms", "platform"} {
		if s, ok := obj[k].(string); ok && s != "" && s != "none" {
			return s
		}
	}
	t, _ := obj["@odata.type"].(string)
	t = strings.ToLower(t)
	for _, p := range []string{"windows", "ios", "macos", "android", "linux"} {
		if strings.Contains(t, p) {
			return p
		}
	}
	return ""
}

// DisplayName reads displayName, falling back to name.
func DisplayName(obj map[string]any) string {
	for _, k := range []string{"displayName", "name"} {
		if s, ok := obj[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
