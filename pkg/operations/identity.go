package operations

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// CanonicalJSON encodes v as JSON in one canonical form, so that equal inputs give equal bytes:
// object keys are sorted at every depth, an array whose elements are all strings is sorted (the
// order of a selection does not matter), numbers are kept exactly as written (1 and 1.0 differ),
// and HTML characters are not escaped. Any other array keeps its order.
//
// v is first encoded with encoding/json, so struct tags, json.Marshaler and json.RawMessage are
// honoured.
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, tree); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		elems := v
		if strs, ok := allStrings(v); ok {
			slices.Sort(strs)
			elems = make([]any, len(strs))
			for i, s := range strs {
				elems[i] = s
			}
		}
		buf.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, v)
	case json.Number:
		buf.WriteString(v.String())
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("unexpected JSON value of type %T", v)
	}
	return nil
}

func allStrings(v []any) ([]string, bool) {
	if len(v) == 0 {
		return nil, false
	}
	out := make([]string, len(v))
	for i, e := range v {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
}

// IdentityHash returns a run's identity: the hex SHA-256 of the scope id (the tenant's, or the
// workspace's for a workspace-scoped run), the type key and the canonical JSON of the identity
// inputs.
func IdentityHash(scopeID int64, typeKey string, inputs any) (string, error) {
	canon, err := CanonicalJSON(inputs)
	if err != nil {
		return "", fmt.Errorf("identity inputs: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(strconv.FormatInt(scopeID, 10)))
	h.Write([]byte{0})
	h.Write([]byte(typeKey))
	h.Write([]byte{0})
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil)), nil
}
