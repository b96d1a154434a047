package graphtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	tenantID = "0d7e5f3a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
	clientID = "app-1"
	secret   = "s3cret~value"
	configs  = "deviceManagement/deviceConfigurations"
)

func token(t testing.TB, s *Server, tenant, client, sec string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {sec}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := http.PostForm(s.TokenURL(tenant), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func get(t testing.TB, rawURL, bearer string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	return resp.StatusCode, resp.Header, body
}

func setup(t *testing.T) (*Server, string) {
	t.Helper()
	s := NewServer(t)
	s.AddTenant(tenantID, clientID, secret)
	status, body := token(t, s, tenantID, clientID, secret)
	if status != 200 {
		t.Fatalf("token: %d %v", status, body)
	}
	return s, body["access_token"].(string)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := NewServer(t)
	s.AddTenant(tenantID, clientID, secret)
	status, body := token(t, s, tenantID, clientID, secret)
	if status != 200 || body["token_type"] != "Bearer" || body["expires_in"] != float64(3599) || !strings.HasPrefix(body["access_token"].(string), "eyJ") {
		t.Fatalf("token = %d %v", status, body)
	}
	cases := []struct {
		tenant, client, secret string
		status                 int
		code, aadsts           string
	}{
		{tenantID, clientID, "wrong", 401, "invalid_client", "AADSTS7000215"},
		{tenantID, "other-app", secret, 400, "unauthorized_client", "AADSTS700016"},
		{"unknown-tenant", clientID, secret, 400, "invalid_request", "AADSTS90002"},
	}
	for _, c := range cases {
		status, body := token(t, s, c.tenant, c.client, c.secret)
		if status != c.status || body["error"] != c.code || !strings.HasPrefix(body["error_description"].(string), c.aadsts) {
			t.Fatalf("%+v: %d %v", c, status, body)
		}
	}
	s.ExpireSecret(tenantID)
	if status, body := token(t, s, tenantID, clientID, secret); status != 401 || !strings.HasPrefix(body["error_description"].(string), "AADSTS7000222") {
		t.Fatalf("expired secret: %d %v", status, body)
	}
	if n := s.Requests(TokenPath); n != 5 {
		t.Fatalf("%d token requests", n)
	}
}

func TestBearerRequired(t *testing.T) {
	t.Parallel()
	s, tok := setup(t)
	for _, bearer := range []string{"", "not-a-token"} {
		status, _, body := get(t, s.URL()+"/"+configs, bearer)
		if status != 401 || body["error"].(map[string]any)["code"] != "InvalidAuthenticationToken" {
			t.Fatalf("bearer %q: %d %v", bearer, status, body)
		}
	}
	if status, _, _ := get(t, s.URL()+"/"+configs, tok); status != 200 {
		t.Fatalf("with the token: %d", status)
	}
	s.ExpireTokens()
	status, _, body := get(t, s.URL()+"/"+configs, tok)
	if status != 401 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "expired") {
		t.Fatalf("expired token: %d %v", status, body)
	}
	if n := s.Requests(configs); n != 4 {
		t.Fatalf("%d requests counted", n)
	}
}

func TestPagingSelectAndExpand(t *testing.T) {
	t.Parallel()
	s, tok := setup(t)
	objs := Policies("p", "#microsoft.graph.windows10GeneralConfiguration", 25)
	objs[3]["assignments"] = []any{map[string]any{"id": "a1", "target": map[string]any{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}}
	s.SetPolicies(tenantID, configs, objs)

	next := s.URL() + "/" + configs + "?$top=10"
	var ids []string
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("too many pages")
		}
		status, _, body := get(t, next, tok)
		if status != 200 || body["@odata.context"] != s.URL()+"/$metadata#"+configs {
			t.Fatalf("page: %d %v", status, body)
		}
		for _, v := range body["value"].([]any) {
			o := v.(map[string]any)
			if _, ok := o["assignments"]; ok {
				t.Fatal("a listed object carries its assignments")
			}
			ids = append(ids, o["id"].(string))
		}
		next, _ = body["@odata.nextLink"].(string)
		if next != "" && (!strings.HasPrefix(next, s.URL()+"/"+configs+"?") || !strings.Contains(next, "$skiptoken=")) {
			t.Fatalf("nextLink %s", next)
		}
	}
	if len(ids) != 25 || ids[0] != objs[0]["id"] || ids[24] != objs[24]["id"] {
		t.Fatalf("ids %v", ids)
	}

	id := objs[3]["id"].(string)
	_, _, one := get(t, s.URL()+"/"+configs+"/"+id+"?$expand=assignments", tok)
	if one["id"] != id || one["assignments"].([]any)[0].(map[string]any)["target"].(map[string]any)["groupId"] != "g1" {
		t.Fatalf("expanded object %v", one)
	}
	_, _, plain := get(t, s.URL()+"/"+configs+"/"+id, tok)
	if _, ok := plain["assignments"]; ok {
		t.Fatal("assignments without $expand")
	}
	if status, _, body := get(t, s.URL()+"/"+configs+"/nope", tok); status != 404 || body["error"].(map[string]any)["code"] != "ResourceNotFound" {
		t.Fatalf("missing object: %d %v", status, body)
	}

	s.SetGroups(tenantID, Groups("g", 5))
	_, _, groups := get(t, s.URL()+"/groups?$select=id,displayName,groupTypes,securityEnabled,mailEnabled&$top=2", tok)
	first := groups["value"].([]any)[0].(map[string]any)
	if _, ok := first["mail"]; ok || first["displayName"] == nil || len(groups["value"].([]any)) != 2 {
		t.Fatalf("$select not applied: %v", groups)
	}
	if nl := groups["@odata.nextLink"].(string); !strings.Contains(nl, "$select=") {
		t.Fatalf("nextLink lost $select: %s", nl)
	}
	if status, _, _ := get(t, s.URL()+"/"+configs+"?$top=0", tok); status != 400 {
		t.Fatalf("$top=0: %d", status)
	}
	if status, _, _ := get(t, s.URL()+"/"+configs+"?$skiptoken=garbage", tok); status != 400 {
		t.Fatalf("bad skiptoken: %d", status)
	}
	if status, _, _ := get(t, s.URL()+"/deviceManagement/notificationMessageTemplates", tok); status != 200 {
		t.Fatalf("empty collection: %d", status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s, tok := setup(t)
	s.Throttle(configs, 2, "7")
	s.Fail(configs, 403, "Authorization_RequestDenied", 1)
	for i, want := range []int{429, 429, 403, 200, 200} {
		status, h, body := get(t, s.URL()+"/"+configs, tok)
		if status != want {
			t.Fatalf("request %d: %d %v, want %d", i, status, body, want)
		}
		if status == 429 && (h.Get("Retry-After") != "7" || body["error"].(map[string]any)["code"] != "TooManyRequests") {
			t.Fatalf("throttle: %v %v", h, body)
		}
		if status == 403 && body["error"].(map[string]any)["code"] != "Authorization_RequestDenied" {
			t.Fatalf("403 body %v", body)
		}
	}
	s.Fail(AllPaths, 503, "ServiceUnavailable", -1)
	if status, _, _ := get(t, s.URL()+"/groups", tok); status != 503 {
		t.Fatalf("* fault: %d", status)
	}
	s.ClearFaults()
	if status, _, _ := get(t, s.URL()+"/groups", tok); status != 200 {
		t.Fatalf("after ClearFaults: %d", status)
	}
	if s.Requests(configs) != 5 || s.Requests("groups") != 2 || s.Requests(AllPaths) != 7 || s.Requests("/beta/groups") != 2 {
		t.Fatalf("counts %d %d %d", s.Requests(configs), s.Requests("groups"), s.Requests(AllPaths))
	}
}

func TestDeterministicIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := range 100000 {
		id := DeterministicID("x", i)
		if seen[id] || len(id) != 36 {
			t.Fatalf("id %d = %s", i, id)
		}
		seen[id] = true
	}
	if x1, again := DeterministicID("x", 1), DeterministicID("x", 1); x1 == DeterministicID("y", 1) || x1 != again {
		t.Fatal("ids depend on the prefix and nothing else")
	}
}

// BenchmarkListLargeTenant pages through 50,000 objects at $top=999.
func BenchmarkListLargeTenant(b *testing.B) {
	s := NewServer(b)
	s.AddTenant(tenantID, clientID, secret)
	s.SetPolicies(tenantID, configs, Policies("p", "#microsoft.graph.windows10GeneralConfiguration", 50000))
	_, body := token(b, s, tenantID, clientID, secret)
	tok := body["access_token"].(string)
	client := s.Client()
	b.ResetTimer()
	for b.Loop() {
		next, n := s.URL()+"/"+configs+"?$top=999", 0
		for next != "" {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var p struct {
				Value    []json.RawMessage `json:"value"`
				NextLink string            `json:"@odata.nextLink"`
			}
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Value)
			next = p.NextLink
		}
		if n != 50000 {
			b.Fatal(fmt.Sprint(n))
		}
	}
}
