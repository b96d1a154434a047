package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tenantatlas/operations/pkg/redact"
)

// Defaults of ClientConfig.
const (
	DefaultBaseURL     = "https://graph.microsoft.com/beta"
	DefaultTokenURL    = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
	DefaultScope       = "https://graph.microsoft.com/.default"
	DefaultMaxAttempts = 6
	DefaultMaxBackoff  = 60 * time.Second
	DefaultPageSize    = 100
	MaxPageSize        = 999
)

// baseBackoff is the back-off ceiling of the first retry without Retry-After; it doubles with
// each attempt up to MaxBackoff, and the wait is drawn uniformly below it (full jitter).
const baseBackoff = time.Second

// groupSelect is what group sync reads of a group.
const groupSelect = "id,displayName,groupTypes,securityEnabled,mailEnabled"

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// ClientConfig configures a Client. Only TenantID, ClientID and one credential, ClientSecret or
// CertificatePEM, are required.
type ClientConfig struct {
	TenantID     string // the Entra tenant id (GUID) or its initial domain
	ClientID     string // the app registration's application (client) id
	ClientSecret string
	// CertificatePEM authenticates with a certificate instead of a secret: PEM with the
	// certificate uploaded to the app registration and its RSA private key (PKCS#1 or PKCS#8,
	// unencrypted). Each token request then sends a client assertion signed with the key.
	CertificatePEM []byte

	// BaseURL is the Graph API root, default https://graph.microsoft.com/beta.
	BaseURL string
	// TokenURL is the token endpoint; "{tenant}" in it is replaced by TenantID. Default
	// https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token.
	TokenURL string
	// Scopes requested, default https://graph.microsoft.com/.default.
	Scopes []string
	// HTTPClient makes every request (Graph and token endpoint); default a client with a 100 s
	// timeout per request.
	HTTPClient *http.Client
	// MaxAttempts bounds the tries of one request (throttling, 5xx, network failures), default 6.
	MaxAttempts int
	// MaxBackoff caps each wait between tries, default 60 s. A Retry-After longer than this is not
	// waited for: the request fails at once with Error.RetryAfter set.
	MaxBackoff time.Duration
	// Sleep waits between tries; it must return early with ctx.Err() when ctx is done. Tests
	// inject it; default a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// PageSize is the $top of list requests, default 100, at most 999.
	PageSize int
}

// Client reads one tenant's Intune objects and Entra groups from Microsoft Graph with an app's
// client credentials. It is safe for concurrent use; the access token is shared and fetched again
// when it expires or Graph refuses it.
type Client struct {
	base        *url.URL
	baseURL     string // without a trailing slash
	secret      string // only ever used to redact messages
	creds       clientcredentials.Config
	cert        *clientCertificate // nil: the client secret authenticates
	http        *http.Client
	sleep       func(context.Context, time.Duration) error
	maxAttempts int
	maxBackoff  time.Duration
	pageSize    int

	fetching chan struct{} // a one-slot semaphore: one token request at a time
	mu       sync.Mutex
	tok      *oauth2.Token
}

var _ Provider = (*Client)(nil)

// tenantIDPattern admits tenant GUIDs and domain names, nothing that could bend the token URL.
var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)

// NewClient checks cfg and fills in its defaults. It makes no request.
func NewClient(cfg ClientConfig) (*Client, error) {
	switch {
	case strings.TrimSpace(cfg.TenantID) == "":
		return nil, errors.New("graph: the Entra tenant id is missing")
	case !tenantIDPattern.MatchString(cfg.TenantID):
		return nil, fmt.Errorf("graph: %q is not an Entra tenant id or domain", cfg.TenantID)
	case strings.TrimSpace(cfg.ClientID) == "":
		return nil, errors.New("graph: the client id is missing")
	case cfg.ClientSecret == "" && len(cfg.CertificatePEM) == 0:
		return nil, errors.New("graph: the client secret or certificate is missing")
	case cfg.ClientSecret != "" && len(cfg.CertificatePEM) > 0:
		return nil, errors.New("graph: give a client secret or a certificate, not both")
	}
	var cert *clientCertificate
	if len(cfg.CertificatePEM) > 0 {
		var err error
		if cert, err = newClientCertificate(cfg.CertificatePEM); err != nil {
			return nil, err
		}
	}
	baseURL := strings.TrimRight(or(cfg.BaseURL, DefaultBaseURL), "/")
	base, err := url.Parse(baseURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.User != nil {
		return nil, fmt.Errorf("graph: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	tokenURL := strings.ReplaceAll(or(cfg.TokenURL, DefaultTokenURL), "{tenant}", url.PathEscape(cfg.TenantID))
	if tu, err := url.Parse(tokenURL); err != nil || (tu.Scheme != "https" && tu.Scheme != "http") || tu.Host == "" {
		return nil, fmt.Errorf("graph: token URL %q is not an absolute http(s) URL", cfg.TokenURL)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{DefaultScope}
	}
	// Whatever the process writes from now on (logs, run failures, errors) is redacted of it.
	redact.Remember(cfg.ClientSecret)
	c := &Client{
		base:    base,
		baseURL: baseURL,
		secret:  cfg.ClientSecret,
		cert:    cert,
		creds: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			Scopes:       append([]string(nil), scopes...),
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		http:        cfg.HTTPClient,
		sleep:       cfg.Sleep,
		maxAttempts: cfg.MaxAttempts,
		maxBackoff:  cfg.MaxBackoff,
		pageSize:    cfg.PageSize,
		fetching:    make(chan struct{}, 1),
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 100 * time.Second}
	}
	if c.sleep == nil {
		c.sleep = sleep
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = DefaultMaxBackoff
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	c.pageSize = min(c.pageSize, MaxPageSize)
	return c, nil
}

// ListPolicies implements Provider: GET {collection}?$top=N, then every @odata.nextLink.
func (c *Client) ListPolicies(ctx context.Context, policyType string, fn func(page []Object) error) error {
	pt, ok := LookupPolicyType(policyType)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownPolicyType, policyType)
	}
	return list(ctx, c, c.baseURL+"/"+pt.Collection+"?$top="+strconv.Itoa(c.pageSize), fn)
}

// ListGroups implements Provider: GET groups?$select=id,displayName,groupTypes,securityEnabled,mailEnabled.
func (c *Client) ListGroups(ctx context.Context, fn func(page []Group) error) error {
	return list(ctx, c, c.baseURL+"/groups?$select="+groupSelect+"&$top="+strconv.Itoa(c.pageSize), fn)
}

// GetPolicy implements Provider: GET {collection}/{id}?$expand=assignments.
func (c *Client) GetPolicy(ctx context.Context, policyType, id string) (Object, error) {
	pt, ok := LookupPolicyType(policyType)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownPolicyType, policyType)
	}
	if id == "" {
		return nil, &Error{Code: CodeBadRequest, Message: "empty object id"}
	}
	u := c.baseURL + "/" + pt.Collection + "/" + url.PathEscape(id)
	if pt.HasAssignments {
		u += "?$expand=assignments"
	}
	var obj Object
	err := c.get(ctx, u, func(dec *json.Decoder) error {
		obj = nil
		return dec.Decode(&obj)
	})
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// page is one response of a Graph collection.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list reads a collection page by page, following @odata.nextLink on Graph's own host only.
func list[T any](ctx context.Context, c *Client, next string, fn func([]T) error) error {
	for {
		var p page[T]
		err := c.get(ctx, next, func(dec *json.Decoder) error {
			p = page[T]{}
			return dec.Decode(&p)
		})
		if err != nil {
			return err
		}
		if len(p.Value) > 0 {
			if err := fn(p.Value); err != nil {
				return err
			}
		}
		if p.NextLink == "" {
			return nil
		}
		if p.NextLink == next {
			return &Error{Code: CodeBadRequest, Message: "@odata.nextLink points at the page it came with"}
		}
		if err := c.checkNextLink(p.NextLink); err != nil {
			return err
		}
		next = p.NextLink
	}
}

// checkNextLink refuses a next link that leaves Graph: the bearer token goes wherever it points.
func (c *Client) checkNextLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() {
		return &Error{Code: CodeBadRequest, Message: "refusing an @odata.nextLink that is not an absolute URL"}
	}
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) || u.User != nil {
		return &Error{Code: CodeBadRequest, Message: sanitize(fmt.Sprintf("refusing an @odata.nextLink to %s://%s: not the Graph host %s", u.Scheme, u.Host, c.base.Host))}
	}
	return nil
}

// outcome is what one try of a request came to.
type outcome struct {
	err        *Error
	retry      bool          // worth another try
	retryAfter time.Duration // the server's Retry-After ...
	hasAfter   bool          // ... if it sent one
	reauth     *oauth2.Token // Graph refused this token: fetch another and try again at once
}

// get performs a GET with retries and decodes a 2xx body with decode (called afresh per try).
func (c *Client) get(ctx context.Context, rawURL string, decode func(*json.Decoder) error) error {
	reauthed := false
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		o := c.try(ctx, rawURL, decode)
		if o.err == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if o.reauth != nil && !reauthed {
			reauthed = true
			c.invalidate(o.reauth)
			attempt-- // a stale token is not the server's fault: this try does not count
			continue
		}
		if !o.retry || attempt >= c.maxAttempts {
			return o.err
		}
		wait := o.retryAfter
		if !o.hasAfter {
			wait = c.backoff(attempt)
		} else if wait > c.maxBackoff {
			return o.err // too long to wait here: the caller may reschedule with Error.RetryAfter
		}
		if err := c.sleep(ctx, wait); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
}

// try makes one request.
func (c *Client) try(ctx context.Context, rawURL string, decode func(*json.Decoder) error) outcome {
	tok, o := c.token(ctx)
	if o.err != nil {
		return o
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return outcome{err: &Error{Code: CodeBadRequest, Message: c.clean("bad request URL: "+err.Error(), tok)}}
	}
	tok.SetAuthHeader(req)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "TenantAtlas-Operations")
	req.Header.Set("client-request-id", newRequestID())
	resp, err := c.http.Do(req)
	if err != nil {
		return outcome{err: &Error{Code: CodeUnavailable, Message: c.clean(networkMessage(err), tok)}, retry: true}
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		err := decode(dec)
		if err == nil {
			return outcome{}
		}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if errors.As(err, &syn) || errors.As(err, &typ) {
			return outcome{err: &Error{Code: CodeBadRequest, Status: resp.StatusCode, Message: c.clean("malformed Graph response: "+err.Error(), tok)}}
		}
		// The body broke off: a network failure like any other.
		return outcome{err: &Error{Code: CodeUnavailable, Status: resp.StatusCode, Message: c.clean("reading the Graph response: "+err.Error(), tok)}, retry: true}
	}

	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody)) // let the connection be reused
	gcode, gmsg := parseGraphError(body)
	e := &Error{
		Code:      codeForStatus(resp.StatusCode),
		Status:    resp.StatusCode,
		GraphCode: sanitizeCode(gcode),
		Message:   c.clean(gmsg, tok),
	}
	after, hasAfter := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if hasAfter {
		e.RetryAfter = after
	}
	out := outcome{err: e, retryAfter: after, hasAfter: hasAfter}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		out.retry = true
	case http.StatusUnauthorized:
		out.reauth = tok
	}
	return out
}

// token returns a valid access token, fetching one when there is none.
func (c *Client) token(ctx context.Context) (*oauth2.Token, outcome) {
	if t := c.cached(); t.Valid() {
		return t, outcome{}
	}
	select {
	case c.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, outcome{err: &Error{Code: CodeUnknown, Message: ctx.Err().Error()}}
	}
	defer func() { <-c.fetching }()
	if t := c.cached(); t.Valid() { // another caller fetched it while this one waited
		return t, outcome{}
	}
	creds := c.creds
	if c.cert != nil {
		// A fresh assertion per request: it is short-lived, and the secret path stays as it is.
		a, err := c.cert.assertion(creds.TokenURL, creds.ClientID, time.Now())
		if err != nil {
			return nil, outcome{err: &Error{Code: CodeBadRequest, Message: err.Error()}}
		}
		creds.EndpointParams = url.Values{"client_assertion_type": {ClientAssertionType}, "client_assertion": {a}}
	}
	t, err := creds.Token(context.WithValue(ctx, oauth2.HTTPClient, c.http))
	if err != nil {
		return nil, c.tokenError(err)
	}
	if t.AccessToken == "" {
		return nil, outcome{err: &Error{Code: CodeTokenExpired, Message: "the token endpoint answered without an access token"}}
	}
	c.mu.Lock()
	c.tok = t
	c.mu.Unlock()
	return t, outcome{}
}

func (c *Client) cached() *oauth2.Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok
}

// invalidate forgets tok, unless another request has already replaced it.
func (c *Client) invalidate(tok *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok {
		c.tok = nil
	}
}

// Refused client credentials: the secret is wrong or expired, or the app is gone or disabled.
var credentialErrors = []string{"invalid_client", "unauthorized_client", "invalid_grant"}

// tokenError turns a failed token request into an outcome. Nothing of the request (the secret)
// or of the response body beyond Entra's error code and description is kept.
func (c *Client) tokenError(err error) outcome {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return outcome{err: &Error{Code: CodeUnavailable, Message: c.clean("token request failed: "+networkMessage(err), nil)}, retry: true}
	}
	status := 0
	var header http.Header
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	e := &Error{Status: status, GraphCode: sanitizeCode(re.ErrorCode)}
	if re.ErrorDescription != "" {
		e.Message = c.clean("token request refused: "+re.ErrorDescription, nil)
	} else {
		e.Message = fmt.Sprintf("token endpoint answered %d %s", status, http.StatusText(status))
	}
	out := outcome{err: e}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		e.Code = codeForStatus(status)
		out.retry = true
		out.retryAfter, out.hasAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
		if out.hasAfter {
			e.RetryAfter = out.retryAfter
		}
	case containsAny(re.ErrorCode, credentialErrors...),
		containsAny(re.ErrorDescription, "AADSTS7000222", "AADSTS7000215", "AADSTS700016", "AADSTS7000112", "AADSTS700024", "AADSTS700027"),
		status == http.StatusUnauthorized:
		e.Code = CodeTokenExpired
	case status == http.StatusForbidden:
		e.Code = CodePermissionMissing
	default:
		e.Code = CodeBadRequest // invalid_request, invalid_scope, unknown tenant (AADSTS90002), ...
	}
	return out
}

// clean sanitises a message, redacting the client secret (as it is and query-escaped) and the
// token in use.
func (c *Client) clean(msg string, tok *oauth2.Token) string {
	secrets := []string{c.secret}
	if tok != nil {
		secrets = append(secrets, tok.AccessToken)
	}
	return sanitize(msg, secrets...)
}

// backoff draws the wait before try attempt+1: uniform in [0, min(MaxBackoff, base·2^(attempt-1))].
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.maxBackoff
	if attempt < 30 {
		ceiling = min(ceiling, baseBackoff<<(attempt-1))
	}
	if ceiling <= 0 {
		return 0
	}
	return mrand.N(ceiling + 1)
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// parseGraphError reads {"error":{"code":..,"message":..}} (Graph) or
// {"error":"..","error_description":".."} (OAuth).
func parseGraphError(body []byte) (code, message string) {
	var graphErr struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &graphErr) == nil && graphErr.Error.Code != "" {
		return graphErr.Error.Code, graphErr.Error.Message
	}
	var oauthErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &oauthErr) == nil && oauthErr.Error != "" {
		return oauthErr.Error, oauthErr.Description
	}
	return "", ""
}

// networkMessage describes a transport failure without the request's headers.
func networkMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if p, perr := url.Parse(u); perr == nil {
			p.RawQuery, p.User = "", nil
			u = p.String()
		}
		return ue.Op + " " + u + ": " + ue.Err.Error()
	}
	return err.Error()
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newRequestID is a random client-request-id (a GUID), for Microsoft support to trace a request.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return guid(b[:])
}

// guid formats 16 bytes as a version-4 GUID.
func guid(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
