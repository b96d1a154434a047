package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
)

const configs = "deviceManagement/deviceConfigurations"

func TestListPoliciesFollowsEveryPageOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.PageSize = 40 })
	objs := graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 250)
	h.srv.SetPolicies(testTenant, configs, objs)

	got, pages, err := collect(context.Background(), h.client, "deviceConfiguration")
	if err != nil {
		t.Fatal(err)
	}
	if pages != 7 || len(got) != 250 {
		t.Fatalf("got %d objects in %d pages, want 250 in 7", len(got), pages)
	}
	seen := map[string]bool{}
	for i, o := range got {
		if seen[o.ID()] {
			t.Fatalf("object %s seen twice", o.ID())
		}
		seen[o.ID()] = true
		if o.ID() != objs[i]["id"] || o.DisplayName() != objs[i]["displayName"] || o.ODataType() != "#microsoft.graph.windows10GeneralConfiguration" {
			t.Fatalf("object %d = %v, want %v in Graph's order", i, o, objs[i])
		}
		if v, ok := o["version"].(json.Number); !ok || v != "1" {
			t.Fatalf("version decoded as %T %v, want json.Number 1", o["version"], o["version"])
		}
	}
	if n := h.srv.Requests(configs); n != 7 {
		t.Fatalf("%d list requests, want 7", n)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 1 {
		t.Fatalf("%d token requests, want 1 (the token is cached)", n)
	}
	urls, auths := h.rec.snapshot()
	if !strings.HasSuffix(urls[1], "/"+configs+"?$top=40") {
		t.Fatalf("first Graph request %s, want $top=40", urls[1])
	}
	for _, a := range auths {
		if !strings.HasPrefix(a, "Bearer ey") {
			t.Fatalf("Authorization %q is not a bearer token", a)
		}
	}

	// An empty collection is no page at all; a second listing reuses the token.
	_, pages, err = collect(context.Background(), h.client, "deviceCompliancePolicy")
	if err != nil || pages != 0 {
		t.Fatalf("empty collection: %d pages, %v", pages, err)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestListGroupsSelectsAndClassifies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.PageSize = 2 })
	h.srv.SetGroups(testTenant, []map[string]any{
		{"id": "g1", "displayName": "SG Devices", "groupTypes": []any{}, "securityEnabled": true, "mailEnabled": false, "mail": nil},
		{"id": "g2", "displayName": "Team", "groupTypes": []any{"Unified"}, "securityEnabled": false, "mailEnabled": true, "mail": "team@example.com"},
		{"id": "g3", "displayName": "Mail-enabled SG", "groupTypes": []any{}, "securityEnabled": true, "mailEnabled": true},
		{"id": "g4", "displayName": "DL", "groupTypes": []any{}, "securityEnabled": false, "mailEnabled": true},
		{"id": "g5", "displayName": "Dynamic", "groupTypes": []any{"DynamicMembership"}, "securityEnabled": true, "mailEnabled": false},
	})
	got, err := collectGroups(context.Background(), h.client)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{GroupSecurity, GroupMicrosoft365, GroupSecurity, GroupUnknown, GroupSecurity}
	if len(got) != len(want) {
		t.Fatalf("got %d groups, want %d", len(got), len(want))
	}
	for i, g := range got {
		if g.Kind() != want[i] || g.ID != fmt.Sprintf("g%d", i+1) || g.DisplayName == "" {
			t.Fatalf("group %d = %+v kind %s, want %s", i, g, g.Kind(), want[i])
		}
	}
	urls, _ := h.rec.snapshot()
	for _, u := range urls[1:] {
		q, _ := url.Parse(u)
		if q.Query().Get("$select") != "id,displayName,groupTypes,securityEnabled,mailEnabled" {
			t.Fatalf("group request %s does not select the group fields", u)
		}
	}
	if n := h.srv.Requests("groups"); n != 3 {
		t.Fatalf("%d group requests, want 3 pages", n)
	}
}

func TestGroupKind(t *testing.T) {
	t.Parallel()
	cases := []struct {
		g    Group
		want string
	}{
		{Group{GroupTypes: []string{"Unified"}, MailEnabled: true}, GroupMicrosoft365},
		{Group{GroupTypes: []string{"Unified", "DynamicMembership"}, SecurityEnabled: true, MailEnabled: true}, GroupMicrosoft365},
		{Group{SecurityEnabled: true}, GroupSecurity},
		{Group{SecurityEnabled: true, MailEnabled: true}, GroupSecurity},
		{Group{GroupTypes: []string{"DynamicMembership"}, SecurityEnabled: true}, GroupSecurity},
		{Group{MailEnabled: true}, GroupUnknown},
		{Group{}, GroupUnknown},
	}
	for _, c := range cases {
		if got := c.g.Kind(); got != c.want {
			t.Errorf("%+v.Kind() = %s, want %s", c.g, got, c.want)
		}
	}
}

func TestGetPolicyExpandsAssignments(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	objs := graphtest.Policies("cmp", "#microsoft.graph.iosCompliancePolicy", 3)
	h.srv.SetPolicies(testTenant, "deviceManagement/deviceCompliancePolicies", objs)
	id := objs[1]["id"].(string)
	if !h.srv.SetAssignments(testTenant, "deviceManagement/deviceCompliancePolicies", id, "grp-a", "grp-b") {
		t.Fatal("SetAssignments found no object")
	}
	o, err := h.client.GetPolicy(context.Background(), "deviceCompliancePolicy", id)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID() != id || o.DisplayName() != objs[1]["displayName"] {
		t.Fatalf("GetPolicy = %v", o)
	}
	as, ok := o["assignments"].([]any)
	if !ok || len(as) != 2 {
		t.Fatalf("assignments = %#v, want two", o["assignments"])
	}
	target := as[1].(map[string]any)["target"].(map[string]any)
	if target["@odata.type"] != "#microsoft.graph.groupAssignmentTarget" || target["groupId"] != "grp-b" {
		t.Fatalf("assignment target = %v", target)
	}
	urls, _ := h.rec.snapshot()
	if last := urls[len(urls)-1]; !strings.HasSuffix(last, "/deviceManagement/deviceCompliancePolicies/"+id+"?$expand=assignments") {
		t.Fatalf("GetPolicy requested %s", last)
	}

	// A type without assignments is read without $expand.
	h.srv.SetPolicies(testTenant, "deviceManagement/assignmentFilters", []map[string]any{{"id": "f1", "displayName": "Filter", "rule": "(device.osVersion -startsWith \"10.0\")"}})
	if o, err := h.client.GetPolicy(context.Background(), "assignmentFilter", "f1"); err != nil || o.DisplayName() != "Filter" || o["assignments"] != nil {
		t.Fatalf("filter = %v, %v", o, err)
	}
	urls, _ = h.rec.snapshot()
	if last := urls[len(urls)-1]; strings.Contains(last, "$expand") {
		t.Fatalf("filter requested with $expand: %s", last)
	}

	_, err = h.client.GetPolicy(context.Background(), "deviceCompliancePolicy", "no-such-id")
	ge := asGraphError(t, err, CodeNotFound)
	if ge.Status != 404 || ge.GraphCode != "ResourceNotFound" || ge.Transient() {
		t.Fatalf("not found error = %+v", ge)
	}
}

func TestUnknownPolicyType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	err := h.client.ListPolicies(context.Background(), "deviceConfigurations", func([]Object) error { return nil })
	if !errors.Is(err, ErrUnknownPolicyType) || FailureCode(err) != CodeUnknown {
		t.Fatalf("err = %v", err)
	}
	if _, err := h.client.GetPolicy(context.Background(), "bogus", "x"); !errors.Is(err, ErrUnknownPolicyType) {
		t.Fatalf("err = %v", err)
	}
	if n := h.srv.Requests(graphtest.AllPaths); n != 0 {
		t.Fatalf("%d requests for an unknown type", n)
	}
}

func TestThrottledThenSucceedsHonouringRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 5))
	h.srv.Throttle(configs, 2, "1")

	got, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	if err != nil {
		t.Fatalf("throttled twice then 200: %v", err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d objects", len(got))
	}
	if s := h.sleeps.all(); len(s) != 2 || s[0] != time.Second || s[1] != time.Second {
		t.Fatalf("waits = %v, want [1s 1s] from Retry-After", s)
	}
	if n := h.srv.Requests(configs); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Throttle(configs, 1, time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat))
	if _, _, err := collect(context.Background(), h.client, "deviceConfiguration"); err != nil {
		t.Fatal(err)
	}
	s := h.sleeps.all()
	if len(s) != 1 || s[0] < 3*time.Second || s[0] > 5*time.Second {
		t.Fatalf("waits = %v, want one of about 4-5s", s)
	}
}

func TestThrottledForEverGivesUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.MaxAttempts = 4 })
	h.srv.Throttle(configs, -1, "2")
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeThrottled)
	if ge.Status != 429 || ge.GraphCode != "TooManyRequests" || ge.RetryAfter != 2*time.Second || !ge.Transient() || !IsTransient(err) {
		t.Fatalf("error = %+v", ge)
	}
	if n := h.srv.Requests(configs); n != 4 {
		t.Fatalf("%d requests, want MaxAttempts = 4", n)
	}
	if s := h.sleeps.all(); len(s) != 3 {
		t.Fatalf("waits = %v, want 3", s)
	}
}

func TestRetryAfterBeyondMaxBackoffFailsAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.MaxBackoff = 10 * time.Second })
	h.srv.Throttle(configs, -1, "120")
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeThrottled)
	if ge.RetryAfter != 120*time.Second {
		t.Fatalf("RetryAfter = %v, want 2m", ge.RetryAfter)
	}
	if n := h.srv.Requests(configs); n != 1 || len(h.sleeps.all()) != 0 {
		t.Fatalf("%d requests and waits %v, want one request and no wait", n, h.sleeps.all())
	}
}

func TestUnavailableForEverBacksOffWithJitter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.MaxBackoff = 5 * time.Second })
	h.srv.Fail(configs, 503, "ServiceUnavailable", -1)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeUnavailable)
	if ge.Status != 503 || ge.GraphCode != "ServiceUnavailable" || ge.Message != "Service is unavailable." || !ge.Transient() {
		t.Fatalf("error = %+v", ge)
	}
	if n := h.srv.Requests(configs); n != DefaultMaxAttempts {
		t.Fatalf("%d requests, want the default MaxAttempts %d", n, DefaultMaxAttempts)
	}
	s := h.sleeps.all()
	if len(s) != DefaultMaxAttempts-1 {
		t.Fatalf("waits = %v", s)
	}
	for i, d := range s {
		ceiling := min(5*time.Second, time.Second<<i)
		if d < 0 || d > ceiling {
			t.Fatalf("wait %d = %v, outside [0, %v]", i, d, ceiling)
		}
	}
}

func TestTransientFailuresThenSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.SetGroups(testTenant, graphtest.Groups("g", 3))
	h.srv.Fail("groups", 503, "ServiceUnavailable", 1)
	h.srv.Fail("groups", 504, "GatewayTimeout", 1)
	h.srv.Fail("groups", 500, "InternalServerError", 1)
	got, err := collectGroups(context.Background(), h.client)
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d groups, %v", len(got), err)
	}
	if n := h.srv.Requests("groups"); n != 4 {
		t.Fatalf("%d requests, want 4", n)
	}
}

func TestPermissionMissing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Fail(configs, 403, "Authorization_RequestDenied", 1)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodePermissionMissing)
	if ge.Status != 403 || ge.GraphCode != "Authorization_RequestDenied" || ge.Transient() ||
		ge.Message != "Insufficient privileges to complete the operation." {
		t.Fatalf("error = %+v", ge)
	}
	if n := h.srv.Requests(configs); n != 1 {
		t.Fatalf("%d requests: a 403 is not retried", n)
	}
	if !strings.Contains(err.Error(), "graph.permission_missing: 403 Forbidden: Authorization_RequestDenied") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func TestOtherClientErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.Fail(configs, 400, "BadRequest", 1)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	asGraphError(t, err, CodeBadRequest)
	h.srv.Fail(configs, 404, "ResourceNotFound", 1)
	_, _, err = collect(context.Background(), h.client, "deviceConfiguration")
	asGraphError(t, err, CodeNotFound)
}

// noLeak fails when the error string holds the secret, any access token or Authorization value
// the client sent, or the token endpoint's diagnostics.
func noLeak(t *testing.T, h *harness, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, testSecret) || strings.Contains(msg, url.QueryEscape(testSecret)) {
		t.Fatalf("error holds the client secret: %s", msg)
	}
	_, auths := h.rec.snapshot()
	for _, a := range auths {
		tok := strings.TrimPrefix(a, "Bearer ")
		if strings.Contains(msg, a) || strings.Contains(msg, tok) || strings.Contains(msg, tok[:20]) {
			t.Fatalf("error holds the bearer token: %s", msg)
		}
	}
	for _, s := range []string{"access_token", "Trace ID", "Correlation ID", "eyJ"} {
		if strings.Contains(msg, s) {
			t.Fatalf("error holds %q: %s", s, msg)
		}
	}
	if n := len([]rune(err.(*Error).Message)); n > MaxMessage {
		t.Fatalf("message of %d runes", n)
	}
}

func TestBadSecretIsTokenExpiredWithoutLeaks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.AddTenant(testTenant, testClient, "the-right-secret-is-another-one")
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeTokenExpired)
	if ge.Status != 401 || ge.GraphCode != "invalid_client" || !strings.Contains(ge.Message, "AADSTS7000215") || ge.Transient() {
		t.Fatalf("error = %+v", ge)
	}
	noLeak(t, h, err)
	if n := h.srv.Requests(graphtest.AllPaths); n != 0 {
		t.Fatalf("%d Graph requests without a token", n)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 1 {
		t.Fatalf("%d token requests: refused credentials are not retried", n)
	}
}

func TestExpiredSecretAndUnknownApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.ExpireSecret(testTenant)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeTokenExpired)
	if !strings.Contains(ge.Message, "AADSTS7000222") {
		t.Fatalf("message %q", ge.Message)
	}
	noLeak(t, h, err)

	h.srv.AddTenant(testTenant, "another-app", testSecret)
	_, _, err = collect(context.Background(), h.client, "deviceConfiguration")
	ge = asGraphError(t, err, CodeTokenExpired)
	if ge.GraphCode != "unauthorized_client" || !strings.Contains(ge.Message, "AADSTS700016") {
		t.Fatalf("unknown app: %+v", ge)
	}
	noLeak(t, h, err)
}

func TestUnknownTenantIsBadRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.TenantID = "contoso.onmicrosoft.com" })
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeBadRequest)
	if ge.GraphCode != "invalid_request" || !strings.Contains(ge.Message, "AADSTS90002") {
		t.Fatalf("error = %+v", ge)
	}
}

func TestRefusedTokenIsFetchedAgainOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 3))
	if _, _, err := collect(context.Background(), h.client, "deviceConfiguration"); err != nil {
		t.Fatal(err)
	}
	h.srv.ExpireTokens()
	if got, _, err := collect(context.Background(), h.client, "deviceConfiguration"); err != nil || len(got) != 3 {
		t.Fatalf("after ExpireTokens: %d, %v", len(got), err)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
	if len(h.sleeps.all()) != 0 {
		t.Fatal("a refused token should be replaced without waiting")
	}

	// Graph refusing every token: one fresh token, then graph.token_expired.
	h.srv.Fail(configs, 401, "InvalidAuthenticationToken", -1)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeTokenExpired)
	if ge.GraphCode != "InvalidAuthenticationToken" || ge.Status != 401 {
		t.Fatalf("error = %+v", ge)
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 3 {
		t.Fatalf("%d token requests, want 3", n)
	}
	noLeak(t, h, err)
}

func TestTokenEndpointOutageIsRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.MaxAttempts = 3 })
	h.srv.Fail(graphtest.TokenPath, 503, "temporarily_unavailable", 2)
	if _, _, err := collect(context.Background(), h.client, "deviceConfiguration"); err != nil {
		t.Fatalf("token endpoint down twice: %v", err)
	}
	h.srv.ExpireTokens()
	h.srv.Fail(graphtest.TokenPath, 503, "temporarily_unavailable", -1)
	_, _, err := collect(context.Background(), h.client, "deviceConfiguration")
	asGraphError(t, err, CodeUnavailable)
	noLeak(t, h, err)
}

func TestForeignNextLinkIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.PageSize = 10 })
	h.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 25))
	h.srv.SetNextLinkBase("http://graph.evil.example/beta")
	var pages int
	err := h.client.ListPolicies(context.Background(), "deviceConfiguration", func([]Object) error { pages++; return nil })
	ge := asGraphError(t, err, CodeBadRequest)
	if !strings.Contains(ge.Message, "graph.evil.example") || pages != 1 {
		t.Fatalf("error %+v after %d pages", ge, pages)
	}
	urls, _ := h.rec.snapshot()
	for _, u := range urls {
		if strings.Contains(u, "evil") {
			t.Fatalf("the client followed the foreign link: %s", u)
		}
	}

	// Same host, other port: refused too.
	base, _ := url.Parse(h.srv.URL())
	host, _, _ := net.SplitHostPort(base.Host)
	h.srv.SetNextLinkBase("http://" + net.JoinHostPort(host, "1") + "/beta")
	err = h.client.ListPolicies(context.Background(), "deviceConfiguration", func([]Object) error { return nil })
	asGraphError(t, err, CodeBadRequest)
}

func TestCallbackErrorStopsListing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.PageSize = 10 })
	h.srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 25))
	stop := errors.New("stop")
	err := h.client.ListPolicies(context.Background(), "deviceConfiguration", func([]Object) error { return stop })
	if err != stop {
		t.Fatalf("err = %v, want the callback's", err)
	}
	if n := h.srv.Requests(configs); n != 1 {
		t.Fatalf("%d requests after the callback stopped", n)
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.Sleep = nil }) // the real timer
	h.srv.Throttle(configs, -1, "30")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for h.srv.Requests(configs) == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, _, err := collect(ctx, h.client, "deviceConfiguration")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned after %v, not promptly", d)
	}
	if n := h.srv.Requests(configs); n != 1 {
		t.Fatalf("%d requests", n)
	}

	// Already cancelled: no request at all.
	before := h.srv.Requests(graphtest.AllPaths)
	if _, err := h.client.GetPolicy(ctx, "deviceConfiguration", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if h.srv.Requests(graphtest.AllPaths) != before {
		t.Fatal("a cancelled call made a request")
	}
}

func TestNetworkFailuresAreRetriedThenUnavailable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	h := newHarness(t, func(c *ClientConfig) { c.BaseURL = dead + "/beta"; c.MaxAttempts = 3 })
	_, _, err = collect(context.Background(), h.client, "deviceConfiguration")
	ge := asGraphError(t, err, CodeUnavailable)
	if ge.Status != 0 || len(h.sleeps.all()) != 2 {
		t.Fatalf("error %+v after waits %v", ge, h.sleeps.all())
	}
	noLeak(t, h, err)

	h2 := newHarness(t, func(c *ClientConfig) { c.TokenURL = dead + "/{tenant}/oauth2/v2.0/token"; c.MaxAttempts = 2 })
	_, _, err = collect(context.Background(), h2.client, "deviceConfiguration")
	asGraphError(t, err, CodeUnavailable)
	noLeak(t, h2, err)
}

func TestConcurrentCallsShareOneToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *ClientConfig) { c.PageSize = 7 })
	for _, pt := range PolicyTypes() {
		h.srv.SetPolicies(testTenant, pt.Collection, graphtest.Policies(pt.Key, "#microsoft.graph."+pt.Key, 30))
	}
	h.srv.Throttle(graphtest.AllPaths, 3, "0")
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(PolicyTypes()))
	for range 4 {
		for _, pt := range PolicyTypes() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, _, err := collect(context.Background(), h.client, pt.Key)
				if err == nil && len(got) != 30 {
					err = fmt.Errorf("%s: %d objects", pt.Key, len(got))
				}
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := h.srv.Requests(graphtest.TokenPath); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	ok := ClientConfig{TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret}
	if _, err := NewClient(ok); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*ClientConfig){
		"no tenant":      func(c *ClientConfig) { c.TenantID = "" },
		"path in tenant": func(c *ClientConfig) { c.TenantID = "../evil" },
		"no client":      func(c *ClientConfig) { c.ClientID = " " },
		"no secret":      func(c *ClientConfig) { c.ClientSecret = "" },
		"relative base":  func(c *ClientConfig) { c.BaseURL = "graph.microsoft.com/beta" },
		"ftp base":       func(c *ClientConfig) { c.BaseURL = "ftp://graph.microsoft.com/beta" },
		"bad token URL":  func(c *ClientConfig) { c.TokenURL = "/token" },
	}
	for name, mod := range bad {
		cfg := ok
		mod(&cfg)
		_, err := NewClient(cfg)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Fatalf("%s: error holds the secret", name)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 17 ", 17 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"Mon, 02 Mar 2026 09:00:30 GMT", 30 * time.Second, true},
		{"Mon, 02 Mar 2026 08:59:00 GMT", 0, true},
		{"99999999", 24 * time.Hour, true},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	jwt := "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl"
	msg := "token " + jwt + " rejected; Authorization: Bearer abc.def-123 and client_secret=" + testSecret +
		` "access_token":"opaque-token-value" secret ` + testSecret + "\r\nTrace ID: 1234\r\nCorrelation ID: 5678"
	got := sanitize(msg, testSecret)
	for _, bad := range []string{jwt, "abc.def-123", testSecret, "opaque-token-value", "Trace ID", "\n"} {
		if strings.Contains(got, bad) {
			t.Fatalf("sanitize left %q in %q", bad, got)
		}
	}
	long := sanitize(strings.Repeat("é", 1000))
	if n := len([]rune(long)); n != MaxMessage || !strings.HasSuffix(long, "…") {
		t.Fatalf("long message has %d runes", n)
	}
}

func TestFailureCode(t *testing.T) {
	t.Parallel()
	if c := FailureCode(errors.New("boom")); c != CodeUnknown {
		t.Fatal(c)
	}
	if c := FailureCode(nil); c != CodeUnknown {
		t.Fatal(c)
	}
	wrapped := fmt.Errorf("sync: %w", &Error{Code: CodePermissionMissing})
	if c := FailureCode(wrapped); c != CodePermissionMissing {
		t.Fatal(c)
	}
	if IsTransient(wrapped) || !IsTransient(fmt.Errorf("x: %w", &Error{Code: CodeThrottled})) {
		t.Fatal("IsTransient")
	}
	var nilErr *Error
	if nilErr.Transient() {
		t.Fatal("nil is not transient")
	}
}

// BenchmarkClientListLargeTenant lists 50,000 objects through the client and the fake Graph.
func BenchmarkClientListLargeTenant(b *testing.B) {
	srv := graphtest.NewServer(b)
	srv.AddTenant(testTenant, testClient, testSecret)
	srv.SetPolicies(testTenant, configs, graphtest.Policies("cfg", "#microsoft.graph.windows10GeneralConfiguration", 50000))
	c, err := NewClient(ClientConfig{
		TenantID: testTenant, ClientID: testClient, ClientSecret: testSecret,
		BaseURL: srv.URL(), TokenURL: srv.TokenURL("{tenant}"), PageSize: MaxPageSize,
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		err := c.ListPolicies(context.Background(), "deviceConfiguration", func(p []Object) error { n += len(p); return nil })
		if err != nil || n != 50000 {
			b.Fatalf("%d objects, %v", n, err)
		}
	}
}
