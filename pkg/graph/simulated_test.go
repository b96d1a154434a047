package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"testing"
)

var guidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func listAll(t *testing.T, p Provider) (map[string][]Object, []Group) {
	t.Helper()
	out := map[string][]Object{}
	for _, pt := range PolicyTypes() {
		objs, _, err := collect(context.Background(), p, pt.Key)
		if err != nil {
			t.Fatalf("%s: %v", pt.Key, err)
		}
		out[pt.Key] = objs
	}
	groups, err := collectGroups(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return out, groups
}

func TestSimulatedIsDeterministic(t *testing.T) {
	t.Parallel()
	a1, g1 := listAll(t, NewSimulated(testTenant, 7, SimulatedOptions{}))
	a2, g2 := listAll(t, NewSimulated(testTenant, 7, SimulatedOptions{}))
	if !reflect.DeepEqual(a1, a2) || !reflect.DeepEqual(g1, g2) {
		t.Fatal("the same tenant and generation gave different objects")
	}
	other, og := listAll(t, NewSimulated("another-tenant", 7, SimulatedOptions{}))
	if other["deviceConfiguration"][0].ID() == a1["deviceConfiguration"][0].ID() || og[0].ID == g1[0].ID {
		t.Fatal("two tenants share ids")
	}

	ids := map[string]string{}
	for key, objs := range a1 {
		pt, _ := LookupPolicyType(key)
		if len(objs) != 12 {
			t.Fatalf("%s: %d objects, want the default 12", key, len(objs))
		}
		for _, o := range objs {
			if !guidShape.MatchString(o.ID()) {
				t.Fatalf("%s id %q is not GUID-shaped", key, o.ID())
			}
			if prev, dup := ids[o.ID()]; dup {
				t.Fatalf("id %s used by %s and %s", o.ID(), prev, key)
			}
			ids[o.ID()] = key
			// Scope tags have no timestamps in Graph.
			if o.DisplayName() == "" || o.ODataType() == "" || o["description"] == nil || (o["lastModifiedDateTime"] == nil) != (key == "roleScopeTag") {
				t.Fatalf("%s object lacks Graph's basics: %v", key, o)
			}
			if p := pt.PlatformOf(o); p == "" {
				t.Fatalf("%s: no platform", key)
			}
			// The objects are what a client decodes from Graph's JSON (json.Number and all).
			raw, err := json.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var back Object
			if err := dec.Decode(&back); err != nil || !reflect.DeepEqual(back, o) {
				t.Fatalf("%s object does not survive a JSON round trip: %v\n%v", key, o, back)
			}
		}
	}
	if len(g1) != 40 {
		t.Fatalf("%d groups, want the default 40", len(g1))
	}
	kinds := map[string]int{}
	for _, g := range g1 {
		if !guidShape.MatchString(g.ID) || g.DisplayName == "" || g.GroupTypes == nil {
			t.Fatalf("group %+v", g)
		}
		kinds[g.Kind()]++
	}
	if kinds[GroupSecurity] == 0 || kinds[GroupMicrosoft365] == 0 {
		t.Fatalf("group kinds %v lack variety", kinds)
	}
}

// diff compares two listings by id: removed, added, modified and unchanged.
func diff(before, after []Object) (removed, added, modified, same int) {
	b := map[string]Object{}
	for _, o := range before {
		b[o.ID()] = o
	}
	for _, o := range after {
		prev, ok := b[o.ID()]
		switch {
		case !ok:
			added++
		case reflect.DeepEqual(prev, o):
			same++
		default:
			modified++
		}
		delete(b, o.ID())
	}
	return len(b), added, modified, same
}

func TestSimulatedGenerationsDrift(t *testing.T) {
	t.Parallel()
	for _, size := range []int{12, 100} {
		k := max(1, size/20)
		for gen := int64(0); gen < 30; gen++ {
			before, gb := listAll(t, NewSimulated(testTenant, gen, SimulatedOptions{PoliciesPerType: size, Groups: size}))
			after, ga := listAll(t, NewSimulated(testTenant, gen+1, SimulatedOptions{PoliciesPerType: size, Groups: size}))
			for key := range before {
				r, a, m, s := diff(before[key], after[key])
				if r != k || a != k || m != k || s != size-2*k {
					t.Fatalf("size %d, %s, generation %d→%d: removed %d, added %d, modified %d, same %d; want %d, %d, %d, %d",
						size, key, gen, gen+1, r, a, m, s, k, k, k, size-2*k)
				}
				for _, o := range after[key] {
					if o.DisplayName() == "" {
						t.Fatal("empty name")
					}
				}
			}
			// Groups: k removed, k added, k renamed.
			bg := map[string]Group{}
			for _, g := range gb {
				bg[g.ID] = g
			}
			var added, renamed int
			for _, g := range ga {
				prev, ok := bg[g.ID]
				switch {
				case !ok:
					added++
				case !reflect.DeepEqual(prev, g):
					renamed++
					if prev.Kind() != g.Kind() {
						t.Fatal("a renamed group changed kind")
					}
				}
			}
			if added != k || renamed != k || len(ga) != size {
				t.Fatalf("groups %d→%d: added %d, renamed %d, total %d", gen, gen+1, added, renamed, len(ga))
			}
		}
	}
}

func TestSimulatedModificationLooksLikeAnEdit(t *testing.T) {
	t.Parallel()
	before, _, _ := collect(context.Background(), NewSimulated(testTenant, 3, SimulatedOptions{}), "deviceConfiguration")
	after, _, _ := collect(context.Background(), NewSimulated(testTenant, 4, SimulatedOptions{}), "deviceConfiguration")
	b := map[string]Object{}
	for _, o := range before {
		b[o.ID()] = o
	}
	for _, o := range after {
		prev, ok := b[o.ID()]
		if !ok || reflect.DeepEqual(prev, o) {
			continue
		}
		if prev.DisplayName() != o.DisplayName() || prev.ODataType() != o.ODataType() || prev["createdDateTime"] != o["createdDateTime"] {
			t.Fatalf("a modification changed identity fields:\n%v\n%v", prev, o)
		}
		if prev["lastModifiedDateTime"] == o["lastModifiedDateTime"] || prev["version"] == o["version"] || prev["description"] == o["description"] {
			t.Fatalf("a modification left lastModifiedDateTime, version or description alone:\n%v\n%v", prev, o)
		}
		if o["lastModifiedDateTime"].(string) < o["createdDateTime"].(string) {
			t.Fatal("modified before created")
		}
		return
	}
	t.Fatal("no modified object")
}

func TestSimulatedGetPolicyAndPaging(t *testing.T) {
	t.Parallel()
	s := NewSimulated(testTenant, 5, SimulatedOptions{PageSize: 5})
	objs, pages, err := collect(context.Background(), s, "configurationPolicy")
	if err != nil || len(objs) != 12 || pages != 3 {
		t.Fatalf("%d objects in %d pages, %v", len(objs), pages, err)
	}
	groups, _ := collectGroups(context.Background(), s)
	gids := map[string]bool{}
	for _, g := range groups {
		gids[g.ID] = true
	}
	for _, pt := range PolicyTypes() {
		list, _, _ := collect(context.Background(), s, pt.Key)
		for _, want := range list {
			got, err := s.GetPolicy(context.Background(), pt.Key, want.ID())
			if err != nil {
				t.Fatal(err)
			}
			as, hasAssignments := got["assignments"].([]any)
			if hasAssignments != pt.HasAssignments {
				t.Fatalf("%s: assignments %v", pt.Key, got["assignments"])
			}
			delete(got, "assignments")
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: GetPolicy differs from the listed object", pt.Key)
			}
			for _, a := range as {
				target := a.(map[string]any)["target"].(map[string]any)
				if gid, ok := target["groupId"].(string); ok && !gids[gid] {
					t.Fatalf("%s assigned to group %s, which the tenant lacks", pt.Key, gid)
				}
			}
		}
	}
	_, err = s.GetPolicy(context.Background(), "deviceConfiguration", "00000000-0000-4000-8000-000000000000")
	asGraphError(t, err, CodeNotFound)
	if _, err := s.GetPolicy(context.Background(), "nope", "x"); !errors.Is(err, ErrUnknownPolicyType) {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ListPolicies(ctx, "deviceConfiguration", func([]Object) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
