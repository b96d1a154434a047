// Package graphtest is a fake Microsoft Graph for tests: an httptest.Server with the Entra
// token endpoint (client credentials) and the Graph collections TenantAtlas reads, answering in
// Graph's JSON (@odata.context, value, @odata.nextLink with $skiptoken, Graph and OAuth error
// bodies), with fault injection (throttling, failures, expired tokens) and request counting.
//
// Paths given to Throttle, Fail and Requests are Graph paths relative to the API root, without
// query and without slashes around them: "deviceManagement/deviceConfigurations",
// "deviceManagement/deviceConfigurations/{id}", "groups". "*" stands for every Graph path and
// "token" for the token endpoint (of any tenant).
//
// Every request costs O(page): objects are encoded once when set, and a page is a slice of them.
package graphtest

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Page sizes: Graph's default and largest $top.
const (
	DefaultTop = 100
	MaxTop     = 999
)

// TokenPath addresses the token endpoint in Throttle, Fail and Requests.
const TokenPath = "token"

// AllPaths addresses every Graph path in Throttle, Fail and Requests.
const AllPaths = "*"

// apiVersion is the path prefix of the Graph API root URL() gives.
const apiVersion = "/beta"

// Server is a fake Microsoft Graph. It is safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu           sync.Mutex
	tenants      map[string]*tenant
	tokens       map[string]string // live access token → tenant id
	expired      map[string]bool   // tokens ExpireTokens retired
	faults       map[string][]*fault
	requests     map[string]int
	nextLinkBase string // overrides the root in @odata.nextLink (tests of the client's host check)
	pageDelay    time.Duration
}

type tenant struct {
	clientID, secret string
	secretExpired    bool
	cert             *x509.Certificate // AddTenantCertificate
	collections      map[string]*collection
}

// collection is an ordered, immutable set of objects; Set* replace it whole.
type collection struct {
	items []item
	byID  map[string]int
}

type item struct {
	obj         map[string]any // without assignments
	raw         []byte         // obj encoded
	assignments []any
}

type fault struct {
	status     int
	code       string
	message    string
	retryAfter string
	left       int // < 0: forever
}

// NewServer starts a fake Graph, closed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		tenants:  map[string]*tenant{},
		tokens:   map[string]string{},
		expired:  map[string]bool{},
		faults:   map[string][]*fault{},
		requests: map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the Graph API root (like https://graph.microsoft.com/beta), the client's BaseURL.
func (s *Server) URL() string { return s.srv.URL + apiVersion }

// TokenURL is the token endpoint of a tenant. TokenURL("{tenant}") is a template for
// graph.ClientConfig.TokenURL.
func (s *Server) TokenURL(tenantID string) string {
	return s.srv.URL + "/" + tenantID + "/oauth2/v2.0/token"
}

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close stops the server before the test ends.
func (s *Server) Close() { s.srv.Close() }

// AddTenant registers a tenant and the one app (client id and secret) allowed to read it.
// Adding it again replaces the credentials and keeps the data.
func (s *Server) AddTenant(tenantID, clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn := s.tenantLocked(tenantID)
	tn.clientID, tn.secret, tn.secretExpired = clientID, secret, false
}

func (s *Server) tenantLocked(id string) *tenant {
	tn, ok := s.tenants[id]
	if !ok {
		tn = &tenant{collections: map[string]*collection{}}
		s.tenants[id] = tn
	}
	return tn
}

// SetPolicies replaces a tenant's objects of a collection ("deviceManagement/deviceConfigurations"),
// in the order given. An object's "assignments" key, if any, is what $expand=assignments shows
// (see SetAssignments); it is not part of the listed object. The objects are copied.
func (s *Server) SetPolicies(tenantID, collectionPath string, objects []map[string]any) {
	c := newCollection(objects)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenantLocked(tenantID).collections[strings.Trim(collectionPath, "/")] = c
}

// SetGroups replaces a tenant's Entra groups (objects with id, displayName, groupTypes,
// securityEnabled, mailEnabled and whatever else; $select picks from them).
func (s *Server) SetGroups(tenantID string, groups []map[string]any) {
	c := newCollection(groups)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenantLocked(tenantID).collections["groups"] = c
}

// SetAssignments gives an object group assignments in Graph's shape,
// {"id": "<object>_<group>", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": ...}}.
// It reports whether the object exists.
func (s *Server) SetAssignments(tenantID, collectionPath, id string, groupIDs ...string) bool {
	list := make([]any, 0, len(groupIDs))
	for _, g := range groupIDs {
		list = append(list, map[string]any{
			"id": id + "_" + g,
			"target": map[string]any{
				"@odata.type": "#microsoft.graph.groupAssignmentTarget",
				"deviceAndAppManagementAssignmentFilterId":   nil,
				"deviceAndAppManagementAssignmentFilterType": "none",
				"groupId": g,
			},
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tn, ok := s.tenants[tenantID]
	if !ok {
		return false
	}
	c, ok := tn.collections[strings.Trim(collectionPath, "/")]
	if !ok {
		return false
	}
	i, ok := c.byID[id]
	if !ok {
		return false
	}
	// Copy on write: a page being served keeps the collection it started with.
	items := append([]item(nil), c.items...)
	items[i].assignments = list
	tn.collections[strings.Trim(collectionPath, "/")] = &collection{items: items, byID: c.byID}
	return true
}

func newCollection(objects []map[string]any) *collection {
	c := &collection{items: make([]item, 0, len(objects)), byID: make(map[string]int, len(objects))}
	for _, o := range objects {
		obj := make(map[string]any, len(o))
		var assignments []any
		for k, v := range o {
			if k == "assignments" {
				if list, ok := v.([]any); ok {
					assignments = list
				} else if list, ok := v.([]map[string]any); ok {
					for _, a := range list {
						assignments = append(assignments, a)
					}
				}
				continue
			}
			obj[k] = v
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			panic(fmt.Sprintf("graphtest: object does not encode as JSON: %v", err))
		}
		if id, ok := obj["id"].(string); ok {
			c.byID[id] = len(c.items)
		}
		c.items = append(c.items, item{obj: obj, raw: raw, assignments: assignments})
	}
	return c
}

// Throttle makes the next `times` requests to path answer 429 TooManyRequests with the given
// Retry-After header ("" sends none). times < 0 throttles for ever. Faults on one path queue up.
func (s *Server) Throttle(path string, times int, retryAfter string) {
	s.addFault(path, &fault{status: http.StatusTooManyRequests, code: "TooManyRequests",
		message: "Too many requests have been sent. Retry after the indicated time.", retryAfter: retryAfter, left: times})
}

// Fail makes the next `times` requests to path answer status with Graph error code code, e.g.
// 403 Authorization_RequestDenied, 503 ServiceUnavailable, 401 InvalidAuthenticationToken.
// times < 0 fails for ever. On TokenPath the body is an OAuth error ({"error": code, ...}).
func (s *Server) Fail(path string, status int, code string, times int) {
	s.addFault(path, &fault{status: status, code: code, message: messageFor(code, status), left: times})
}

// FailWithMessage is Fail with the error message the server answers (an upstream that echoes
// what it was sent, for redaction tests).
func (s *Server) FailWithMessage(path string, status int, code, message string, times int) {
	s.addFault(path, &fault{status: status, code: code, message: message, left: times})
}

func (s *Server) addFault(path string, f *fault) {
	if f.left == 0 {
		return
	}
	path = normalize(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], f)
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*fault{}
}

// ExpireTokens retires every access token issued so far: Graph answers them 401
// InvalidAuthenticationToken, and a client must fetch a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.expired[tok] = true
	}
	s.tokens = map[string]string{}
}

// ExpireSecret makes the tenant's client secret expired: the token endpoint answers 401
// invalid_client AADSTS7000222 until AddTenant sets credentials again.
func (s *Server) ExpireSecret(tenantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenantLocked(tenantID).secretExpired = true
}

// SetNextLinkBase makes @odata.nextLink point at another API root (say a foreign host), to test
// that a client refuses to follow it. "" restores the server's own.
func (s *Server) SetNextLinkBase(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextLinkBase = strings.TrimRight(base, "/")
}

// Requests counts the requests made to path so far (faulted and refused ones included).
// Requests(AllPaths) counts every Graph request, Requests(TokenPath) the token requests.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[normalize(path)]
}

// ResetRequests sets every count back to zero.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = map[string]int{}
}

func normalize(path string) string {
	path = strings.Trim(path, "/")
	for _, v := range []string{"beta/", "v1.0/"} {
		path = strings.TrimPrefix(path, v)
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

// countLocked counts a request to path. Called with s.mu held.
func (s *Server) countLocked(path string, graph bool) {
	s.requests[path]++
	if graph {
		s.requests[AllPaths]++
	}
}

// faultLocked returns the fault a request to path meets, if any, and uses it up. Called with
// s.mu held.
func (s *Server) faultLocked(path string, graph bool) *fault {
	keys := []string{path}
	if graph {
		keys = append(keys, AllPaths)
	}
	for _, key := range keys {
		queue := s.faults[key]
		if len(queue) == 0 {
			continue
		}
		f := *queue[0]
		if queue[0].left > 0 {
			queue[0].left--
			if queue[0].left == 0 {
				s.faults[key] = queue[1:]
			}
		}
		return &f
	}
	return nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/oauth2/v2.0/token"):
		s.serveToken(w, r, strings.Trim(strings.TrimSuffix(p, "/oauth2/v2.0/token"), "/"))
	case strings.HasPrefix(p, apiVersion+"/"), strings.HasPrefix(p, "/v1.0/"):
		s.serveGraph(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveToken is Entra's token endpoint for the client credentials grant.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, tenantID string) {
	s.mu.Lock()
	s.countLocked(TokenPath, false)
	f := s.faultLocked(TokenPath, false)
	s.mu.Unlock()
	if f != nil {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		oauthError(w, f.status, f.code, f.message)
		return
	}
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	clientID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	assertionType, assertion := r.PostForm.Get("client_assertion_type"), r.PostForm.Get("client_assertion")
	if user, pass, ok := r.BasicAuth(); ok {
		clientID, _ = url.QueryUnescape(user)
		secret, _ = url.QueryUnescape(pass)
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type '"+gt+"'.")
		return
	}
	if scope := r.PostForm.Get("scope"); !strings.HasSuffix(scope, "/.default") {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS1002012: The provided value for scope "+scope+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
		return
	}
	s.mu.Lock()
	tn, ok := s.tenants[tenantID]
	var tnCopy tenant
	if ok {
		tnCopy = *tn
	}
	s.mu.Unlock()
	var assertionErr error
	if assertionType != "" || assertion != "" {
		if assertionType != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS50027: The client_assertion_type is not supported.")
			return
		}
		if secret != "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS90014: Only one of client_secret and client_assertion may be sent.")
			return
		}
		clientID, assertionErr = checkAssertion(assertion, s.TokenURL(tenantID), clientID, tnCopy.cert, time.Now())
	}
	switch {
	case !ok || tnCopy.clientID == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS90002: Tenant '"+tenantID+"' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
		return
	case clientID != tnCopy.clientID:
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+clientID+"' was not found in the directory '"+tenantID+"'. This can happen if the application has not been installed by the administrator of the tenant.")
		return
	case assertionErr != nil:
		oauthError(w, http.StatusUnauthorized, "invalid_client", assertionErr.Error())
		return
	case assertionType != "":
		// a valid assertion: the app authenticated with its certificate
	case secret == "" || secret != tnCopy.secret:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+clientID+"'.")
		return
	case tnCopy.secretExpired:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000222: The provided client secret keys for app '"+clientID+"' are expired. Visit the Azure portal to create new keys for your app.")
		return
	}
	tok := newAccessToken(tenantID, clientID)
	s.mu.Lock()
	s.tokens[tok] = tenantID
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok,
	})
}

// serveGraph answers GET on collections and single objects.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	root := s.srv.URL + apiVersion
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		root = s.srv.URL + "/v1.0"
	}
	path := normalize(r.URL.Path)
	auth := r.Header.Get("Authorization")
	tok, hasBearer := strings.CutPrefix(auth, "Bearer ")

	s.mu.Lock()
	s.countLocked(path, true)
	tenantID, valid := s.tokens[tok]
	wasExpired := s.expired[tok]
	var f *fault
	var tn *tenant
	if valid { // an unauthenticated request is refused before any fault applies
		f = s.faultLocked(path, true)
		tn = s.tenants[tenantID]
	}
	nextBase := s.nextLinkBase
	s.mu.Unlock()

	switch {
	case !hasBearer || tok == "":
		graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return
	case wasExpired:
		graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return
	case !valid:
		graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
		return
	case f != nil:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		graphError(w, r, f.status, f.code, f.message)
		return
	case r.Method != http.MethodGet:
		graphError(w, r, http.StatusMethodNotAllowed, "Request_BadRequest", "The fake Graph only answers GET.")
		return
	}
	if nextBase == "" {
		nextBase = root
	}

	segs := strings.Split(path, "/")
	var collPath, id string
	switch {
	case len(segs) == 1 && segs[0] == "groups":
		collPath = "groups"
	case len(segs) == 2 && segs[0] == "groups":
		collPath, id = "groups", segs[1]
	case len(segs) == 2 && segs[0] == "deviceManagement" && segs[1] != "":
		collPath = path
	case len(segs) == 3 && segs[0] == "deviceManagement" && segs[1] != "" && segs[2] != "":
		collPath, id = segs[0]+"/"+segs[1], segs[2]
	default:
		graphError(w, r, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+segs[len(segs)-1]+"'.")
		return
	}
	s.mu.Lock()
	c := tn.collections[collPath]
	s.mu.Unlock()
	if c == nil {
		c = &collection{}
	}
	q := r.URL.Query()
	var sel []string
	if v := q.Get("$select"); v != "" {
		sel = strings.Split(v, ",")
	}
	if id != "" {
		s.serveObject(w, r, root, collPath, c, id, sel, q.Get("$expand"))
		return
	}
	s.serveList(w, r, root, nextBase, collPath, c, sel, q)
}

// SetPageDelay makes every page of a list wait d before it is answered (0: none), so that a run
// paging through a collection stays running for a while.
func (s *Server) SetPageDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageDelay = d
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, root, nextBase, collPath string, c *collection, sel []string, q url.Values) {
	s.mu.Lock()
	delay := s.pageDelay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	top := DefaultTop
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid value '"+v+"' for query option $top.")
			return
		}
		top = min(n, MaxTop)
	}
	offset := 0
	if v := q.Get("$skiptoken"); v != "" {
		n, ok := decodeSkipToken(v)
		if !ok {
			graphError(w, r, http.StatusBadRequest, "BadRequest", "The $skiptoken is not valid.")
			return
		}
		offset = n
	}
	offset = min(offset, len(c.items))
	end := min(offset+top, len(c.items))

	var b bytes.Buffer
	b.Grow(64 + (end-offset)*256)
	context := root + "/$metadata#" + collPath
	if len(sel) > 0 {
		context += "(" + strings.Join(sel, ",") + ")"
	}
	b.WriteString(`{"@odata.context":`)
	writeJSONString(&b, context)
	if end < len(c.items) {
		link := nextBase + "/" + collPath + "?$top=" + strconv.Itoa(top) + "&$skiptoken=" + encodeSkipToken(end)
		if len(sel) > 0 {
			link += "&$select=" + url.QueryEscape(strings.Join(sel, ","))
		}
		b.WriteString(`,"@odata.nextLink":`)
		writeJSONString(&b, link)
	}
	b.WriteString(`,"value":[`)
	for i, it := range c.items[offset:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		if len(sel) == 0 {
			b.Write(it.raw)
			continue
		}
		raw, _ := json.Marshal(project(it.obj, sel))
		b.Write(raw)
	}
	b.WriteString("]}")
	writeBody(w, http.StatusOK, b.Bytes())
}

func (s *Server) serveObject(w http.ResponseWriter, r *http.Request, root, collPath string, c *collection, id string, sel []string, expand string) {
	i, ok := c.byID[id]
	if !ok {
		graphError(w, r, http.StatusNotFound, "ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	it := c.items[i]
	out := make(map[string]any, len(it.obj)+3)
	if len(sel) > 0 {
		out = project(it.obj, sel)
	} else {
		for k, v := range it.obj {
			out[k] = v
		}
	}
	out["@odata.context"] = root + "/$metadata#" + collPath + "/$entity"
	for _, e := range strings.Split(expand, ",") {
		if strings.TrimSpace(e) == "assignments" {
			a := it.assignments
			if a == nil {
				a = []any{}
			}
			out["assignments@odata.context"] = root + "/$metadata#" + collPath + "('" + id + "')/assignments"
			out["assignments"] = a
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		graphError(w, r, http.StatusInternalServerError, "InternalServerError", "encoding failed")
		return
	}
	writeBody(w, http.StatusOK, raw)
}

func project(obj map[string]any, sel []string) map[string]any {
	out := make(map[string]any, len(sel)+1)
	if t, ok := obj["@odata.type"]; ok {
		out["@odata.type"] = t
	}
	for _, k := range sel {
		if v, ok := obj[strings.TrimSpace(k)]; ok {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

func encodeSkipToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("RFNwdAIA:" + strconv.Itoa(offset)))
}

func decodeSkipToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "RFNwdAIA:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

func writeJSONString(b *bytes.Buffer, s string) {
	raw, _ := json.Marshal(s)
	b.Write(raw)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("request-id", newID())
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// graphError writes Graph's error body.
func graphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":    code,
		"message": message,
		"innerError": map[string]any{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        newID(),
			"client-request-id": r.Header.Get("client-request-id"),
		},
	}})
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	writeBody(w, status, body)
}

// oauthError writes the token endpoint's error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	id := newID()
	now := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	body, _ := json.Marshal(map[string]any{
		"error":             code,
		"error_description": description + "\r\nTrace ID: " + id + "\r\nCorrelation ID: " + newID() + "\r\nTimestamp: " + now,
		"error_codes":       []int{aadstsCode(description)},
		"timestamp":         now,
		"trace_id":          id,
		"correlation_id":    newID(),
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func aadstsCode(description string) int {
	rest, ok := strings.CutPrefix(description, "AADSTS")
	if !ok {
		return 0
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	n, _ := strconv.Atoi(rest[:end])
	return n
}

// messageFor is Graph's message for well-known error codes.
func messageFor(code string, status int) string {
	switch code {
	case "Authorization_RequestDenied":
		return "Insufficient privileges to complete the operation."
	case "Forbidden":
		return "Application is not authorized to perform this operation. Application must have one of the following scopes: DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All"
	case "ServiceUnavailable":
		return "Service is unavailable."
	case "InvalidAuthenticationToken":
		return "Access token has expired or is not yet valid."
	case "TooManyRequests":
		return "Too many requests have been sent. Retry after the indicated time."
	case "ResourceNotFound":
		return "Resource not found."
	case "invalid_client":
		return "AADSTS7000222: The provided client secret keys for app are expired."
	}
	return http.StatusText(status)
}

// newAccessToken is a JWT-shaped opaque token (unsigned: only this server reads it).
func newAccessToken(tenantID, clientID string) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"none"}`))
	claims, _ := json.Marshal(map[string]any{
		"aud": "https://graph.microsoft.com", "tid": tenantID, "appid": clientID,
		"roles": []string{"DeviceManagementConfiguration.Read.All", "Group.Read.All"}, "jti": newID(),
	})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return header + "." + base64.RawURLEncoding.EncodeToString(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Policies makes n objects of one @odata.type shaped like Graph's (id, displayName, description,
// createdDateTime, lastModifiedDateTime, version and a setting), deterministic for (prefix, n):
// convenient bulk data for SetPolicies.
func Policies(prefix, odataType string, n int) []map[string]any {
	out := make([]map[string]any, n)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		ts := base.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.0000000Z")
		out[i] = map[string]any{
			"@odata.type":          odataType,
			"id":                   DeterministicID(prefix, i),
			"displayName":          fmt.Sprintf("%s %06d", prefix, i),
			"description":          "",
			"createdDateTime":      ts,
			"lastModifiedDateTime": ts,
			"version":              1,
			"roleScopeTagIds":      []any{"0"},
			"passwordRequired":     i%2 == 0,
		}
	}
	return out
}

// Groups makes n Entra groups, alternating security, Microsoft 365 and distribution groups,
// deterministic for (prefix, n).
func Groups(prefix string, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		g := map[string]any{
			"id":              DeterministicID(prefix, i),
			"displayName":     fmt.Sprintf("%s %06d", prefix, i),
			"description":     nil,
			"mail":            nil,
			"groupTypes":      []any{},
			"securityEnabled": true,
			"mailEnabled":     false,
		}
		switch i % 3 {
		case 1:
			g["groupTypes"] = []any{"Unified"}
			g["securityEnabled"], g["mailEnabled"] = false, true
			g["mail"] = fmt.Sprintf("group%06d@example.com", i)
		case 2:
			g["securityEnabled"], g["mailEnabled"] = false, true
		}
		out[i] = g
	}
	return out
}

// DeterministicID is a GUID-shaped id derived from (prefix, i), distinct for every i < 2^48.
func DeterministicID(prefix string, i int) string {
	var h uint64 = 14695981039346656037 // FNV-1a of the prefix
	for _, c := range []byte(prefix) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	// Multiplying by an odd constant is a bijection modulo 2^48: distinct i, distinct tails.
	tail := (uint64(i) * 0x9e3779b97f4a7c15) & (1<<48 - 1)
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h>>4)&0xfff, uint16(h>>52)&0xfff, tail)
}
