package api_test

// The contract tests: openapi.yaml (repository root) is the REST contract, and every request the
// API test suite makes goes through checkContract, which validates the response (status, content
// type, headers, body schema) and — when the API accepted it — the request against the spec. So
// the suite fails as soon as the implementation and the contract drift apart.

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/responses"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

// specFile is the contract, relative to this package's directory (where go test runs).
const specFile = "../openapi.yaml"

// contract is the loaded spec with a validator and a path matcher.
type contract struct {
	raw   []byte
	doc   libopenapi.Document
	model *v3.Document
	v     validator.Validator
	opts  []config.Option // the validator's options, for the header checks made directly
	paths []*specPath
}

// specPath is one documented path template.
type specPath struct {
	template string
	segs     []string
	item     *v3.PathItem
}

var (
	theContract *contract
	contractErr error

	// exercised records the operations that answered 2xx or 304 (and validated) in this run.
	exercisedMu sync.Mutex
	exercised   = map[string]bool{}
)

func init() {
	theContract, contractErr = loadContract(specFile)
	contractCheck = checkContract
}

// TestMain runs the tests and then, on a full run, fails when a documented operation was never
// answered with a success: its success response was then never checked against the contract.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && fullRun() {
		if missing := unexercised(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "--- FAIL: contract coverage: no test got a 2xx/304 answer from these documented operations, "+
				"so their success responses were never checked against %s (add a test, e.g. to TestContractWalkthrough):\n  %s\n",
				specFile, strings.Join(missing, "\n  "))
			fmt.Println("FAIL")
			code = 1
		}
	}
	os.Exit(code)
}

// fullRun reports whether every test ran (no -run or -skip filter, no -short).
func fullRun() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return !testing.Short() && contractErr == nil
}

// unexercised lists the documented operations (legacy ones aside) that no request answered with
// a success.
func unexercised() []string {
	exercisedMu.Lock()
	defer exercisedMu.Unlock()
	var missing []string
	for template, item := range theContract.model.Paths.PathItems.FromOldest() {
		if gone(item) {
			continue
		}
		for method, op := range item.GetOperations().FromOldest() {
			if !exercised[op.OperationId] {
				missing = append(missing, fmt.Sprintf("%s %s (%s)", strings.ToUpper(method), template, op.OperationId))
			}
		}
	}
	return missing
}

func loadContract(path string) (*contract, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", path, err)
	}
	opts := []config.Option{
		config.WithFormatAssertions(),
		// Strict mode reports properties, query parameters and headers the spec does not
		// declare, so the schemas must match the Go structs field for field.
		config.WithStrictMode(),
		config.WithStrictIgnorePaths(
			// Free-form maps: their keys are data, not fields.
			"$.body.summary_counts.*",
			"$.body.data[*].summary_counts.*",
			"$.body.context.**",
			"$.body.by_category.*",
			// An inventory item's meta is Graph's fields as Graph sends them ("@odata.type" is
			// written meta['@odata.type'], hence no dot after meta).
			"$.body.data[*].meta**",
		),
		// Headers every response carries (securityHeaders, the request id middleware; HSTS behind TLS).
		config.WithStrictIgnoredHeadersExtra(
			"x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy",
			"cross-origin-resource-policy", "strict-transport-security", "access-control-allow-origin", "access-control-expose-headers",
			"access-control-allow-credentials",
			// The per-token rate limit on every authenticated response (documented once, on 429
			// and in the description).
			"ratelimit", "ratelimit-policy",
		),
	}
	v, errs := validator.NewValidator(doc, opts...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator for %s: %w", path, errors.Join(errs...))
	}
	c := &contract{raw: raw, doc: doc, model: &m.Model, v: v, opts: opts}
	for template, item := range m.Model.Paths.PathItems.FromOldest() {
		c.paths = append(c.paths, &specPath{template: template, segs: splitPath(template), item: item})
	}
	return c, nil
}

func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// isRest reports whether a template segment is the catch-all {rest} of the legacy routes (Echo's
// /*), which stands for the rest of the path: empty, one or several segments.
func isRest(seg string) bool { return seg == "{rest}" }

// match finds the documented template of a request path. Literal segments win over parameters,
// as in Echo's router and in OpenAPI; {rest} matches the remainder of the path.
func (c *contract) match(path string) *specPath {
	req := splitPath(path)
	var best *specPath
	var bestScore []int
	for _, sp := range c.paths {
		score, ok := matchSegs(sp.segs, req)
		if !ok {
			continue
		}
		if best == nil || better(score, bestScore) {
			best, bestScore = sp, score
		}
	}
	return best
}

// matchSegs scores a match: per segment 2 for a literal, 1 for a parameter, 0 for {rest}.
func matchSegs(tmpl, req []string) ([]int, bool) {
	var score []int
	for i, seg := range tmpl {
		if isRest(seg) && i == len(tmpl)-1 {
			if len(req) < len(tmpl) {
				return nil, false
			}
			return append(score, 0), true
		}
		if i >= len(req) {
			return nil, false
		}
		switch {
		case isParam(seg):
			if req[i] == "" {
				return nil, false
			}
			score = append(score, 1)
		case seg == req[i]:
			score = append(score, 2)
		default:
			return nil, false
		}
	}
	if len(req) != len(tmpl) {
		return nil, false
	}
	return score, true
}

func better(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}

// operation returns the path item's operation for an HTTP method, or nil.
func operation(item *v3.PathItem, method string) *v3.Operation {
	for m, op := range item.GetOperations().FromOldest() {
		if strings.EqualFold(m, method) {
			return op
		}
	}
	return nil
}

// gone reports whether every operation of a path item is deprecated: the legacy run paths, on
// which every method answers the documented GET's 404.
func gone(item *v3.PathItem) bool {
	n := 0
	for _, op := range item.GetOperations().FromOldest() {
		if op.Deprecated == nil || !*op.Deprecated {
			return false
		}
		n++
	}
	return n > 0
}

// publicOperation reports whether an operation opts out of the global bearer requirement with
// `security: []`.
func publicOperation(op *v3.Operation) bool {
	low := op.GoLow()
	return low != nil && low.Security.KeyNode != nil && len(low.Security.Value) == 0
}

// checkContract validates one exchange against openapi.yaml. It is the harness's contractCheck.
func checkContract(t *testing.T, req *http.Request, body []byte, res response) {
	t.Helper()
	if contractErr != nil {
		t.Fatalf("contract: %s: %v", specFile, contractErr)
	}
	c := theContract
	where := fmt.Sprintf("%s %s → %d", req.Method, req.URL.RequestURI(), res.Status)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("contract: %s: %s\n  body: %.600s", where, fmt.Sprintf(format, args...), res.Body)
	}

	sp := c.match(req.URL.Path)
	method := req.Method
	var op *v3.Operation
	if sp != nil {
		op = operation(sp.item, method)
		if op == nil && gone(sp.item) {
			// Every method on a legacy path answers what its documented GET does.
			method, op = http.MethodGet, sp.item.Get
		}
	}
	if op == nil && sp != nil && req.Method == http.MethodOptions {
		// OPTIONS is not written out: on an existing path it is a CORS preflight (or Echo's
		// automatic OPTIONS answer), 204 with no body.
		if res.Status != http.StatusNoContent || len(res.Body) > 0 {
			fail("OPTIONS on %s should answer 204 with no body", sp.template)
		}
		return
	}
	if op == nil && sp != nil && req.Method == http.MethodHead && sp.item.Get != nil {
		// HEAD is not written out either: every GET answers HEAD with its status and headers.
		checkHead(req, res, sp, fail)
		return
	}
	if op == nil {
		// Not documented: the API must answer the generic 404 problem (unknown paths, and
		// methods a path does not have — never 405).
		checkGenericNotFound(req, res, fail)
		return
	}

	// The response: status, content type, headers and body (the library), plus what the library
	// leaves out: a documented body must be there, an undocumented one must not.
	vreq := req.Clone(req.Context())
	vreq.Method = method
	vreq.Body = http.NoBody
	httpRes := &http.Response{
		StatusCode: res.Status, Header: res.Header.Clone(), Request: vreq,
		Body: io.NopCloser(bytes.NewReader(res.Body)), ContentLength: int64(len(res.Body)),
	}
	if ok, errs := c.v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(vreq, httpRes, sp.item, sp.template); !ok {
		fail("response does not match %s %s (%s):%s", strings.ToUpper(method), sp.template, op.OperationId, describe(errs))
	}
	if documented := documentedResponse(op, res.Status); documented != nil {
		hasContent := documented.Content != nil && documented.Content.Len() > 0
		switch {
		case req.Method == http.MethodHead && len(res.Body) > 0:
			fail("a HEAD response has a body")
		case hasContent && req.Method != http.MethodHead && len(res.Body) == 0:
			fail("the documented response has content, but the body is empty")
		case !hasContent && len(res.Body) > 0:
			fail("the documented response has no content, but the body is %d bytes", len(res.Body))
		}
		if documented.Headers == nil {
			// The library checks for undeclared headers only on responses that declare some;
			// a response that declares none must not send any (a Link or Location left out of
			// the spec).
			if undeclared := undeclaredHeaders(vreq, httpRes, sp.template, res.Status); undeclared != "" {
				fail("response headers not in the contract:%s", undeclared)
			}
		}
	}

	// The request, when the API accepted it: what the tests send deliberately malformed is
	// answered with a 4xx and not validated.
	if (res.Status >= 200 && res.Status < 300) || res.Status == http.StatusNotModified {
		creq := req.Clone(req.Context())
		creq.Body = io.NopCloser(bytes.NewReader(body))
		creq.ContentLength = int64(len(body))
		if len(body) == 0 {
			creq.Body = http.NoBody
		}
		if ok, errs := c.v.ValidateHttpRequestSyncWithPathItem(creq, sp.item, sp.template); !ok {
			fail("the API accepted a request the contract does not allow (%s %s, %s):%s", method, sp.template, op.OperationId, describe(errs))
		}
		exercisedMu.Lock()
		exercised[op.OperationId] = true
		exercisedMu.Unlock()
	}
}

// checkHead checks a HEAD request against the path's GET: a status the GET documents, with the
// headers that response declares (and no others). The recorder keeps what the handler writes for
// HEAD, which net/http discards on the wire, so the body is not looked at (the GET's body is
// checked by the GET requests); errors, which the error handler sends without a body for HEAD,
// must have none.
func checkHead(req *http.Request, res response, sp *specPath, fail func(string, ...any)) {
	documented := documentedResponse(sp.item.Get, res.Status)
	if documented == nil {
		fail("HEAD answered %d, which GET %s does not document", res.Status, sp.template)
		return
	}
	if res.Status >= 400 && len(res.Body) > 0 {
		fail("a HEAD error response has a body")
	}
	vreq := req.Clone(req.Context())
	vreq.Method = http.MethodGet
	vreq.Body = http.NoBody
	httpRes := &http.Response{StatusCode: res.Status, Header: res.Header.Clone(), Request: vreq, Body: http.NoBody}
	if documented.Content != nil && documented.Content.Len() > 0 {
		ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
		if documented.Content.GetOrZero(strings.TrimSpace(ct)) == nil {
			fail("HEAD answered with content type %q, which GET %s does not document for %d", ct, sp.template, res.Status)
		}
	}
	headers := documented.Headers
	if headers == nil {
		headers = orderedmap.New[string, *v3.Header]()
	}
	if ok, errs := responses.ValidateResponseHeaders(vreq, httpRes, headers, sp.template, fmt.Sprint(res.Status), theContract.opts...); !ok {
		fail("HEAD response headers do not match GET %s:%s", sp.template, describe(errs))
	}
}

// undeclaredHeaders runs the strict header check of a response that declares no headers.
func undeclaredHeaders(req *http.Request, res *http.Response, template string, status int) string {
	_, errs := responses.ValidateResponseHeaders(req, res, orderedmap.New[string, *v3.Header](), template, fmt.Sprint(status), theContract.opts...)
	return describe(errs)
}

// checkGenericNotFound: an undocumented method or path answers 404 not_found problem+json.
func checkGenericNotFound(req *http.Request, res response, fail func(string, ...any)) {
	if res.Status != http.StatusNotFound {
		fail("%s %s is not documented in %s", req.Method, req.URL.Path, specFile)
		return
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		fail("the 404 for an undocumented path or method has content type %q, want application/problem+json", ct)
	}
	if req.Method == http.MethodHead {
		return
	}
	if !bytes.Contains(res.Body, []byte(`"code":"not_found"`)) {
		fail("the 404 for an undocumented path or method is not the not_found problem")
	}
}

// documentedResponse is the response documented for a status (exact, then NXX, then default).
func documentedResponse(op *v3.Operation, status int) *v3.Response {
	if op.Responses == nil {
		return nil
	}
	if r := op.Responses.Codes.GetOrZero(fmt.Sprint(status)); r != nil {
		return r
	}
	if r := op.Responses.Codes.GetOrZero(fmt.Sprintf("%dXX", status/100)); r != nil {
		return r
	}
	return op.Responses.Default
}

// describe renders the validator's findings.
func describe(errs []*liberrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n  - " + e.Message)
		if e.Reason != "" && e.Reason != e.Message {
			b.WriteString(": " + e.Reason)
		}
		for _, f := range e.SchemaValidationErrors {
			b.WriteString("\n      " + f.Reason)
			if f.FieldPath != "" {
				b.WriteString(" at " + f.FieldPath)
			}
			if f.KeywordLocation != "" {
				b.WriteString(" (schema " + f.KeywordLocation + ")")
			}
		}
	}
	return b.String()
}

// TestOpenAPISpecIsValid lints the contract: it parses, builds a valid OpenAPI 3.1 model and
// validates against the 3.1 schema; every $ref resolves; every operation has a unique
// operationId, a summary and a tag; every operation behind the bearer requirement documents 401;
// every path parameter is declared.
func TestOpenAPISpecIsValid(t *testing.T) {
	t.Parallel()
	if contractErr != nil {
		t.Fatalf("%s: %v", specFile, contractErr)
	}
	c := theContract
	if v := c.doc.GetSpecInfo().Version; !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi version %q, want 3.1.x", v)
	}
	m, err := c.doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	for _, err := range m.Index.GetReferenceIndexErrors() {
		t.Errorf("reference: %v", err)
	}
	for _, err := range m.Index.GetOperationParametersIndexErrors() {
		t.Errorf("operation parameters: %v", err)
	}
	if r := m.Index.GetResolver(); r != nil {
		for _, err := range r.GetResolvingErrors() {
			t.Errorf("resolving: %v", err)
		}
	}
	if ok, errs := c.v.ValidateDocument(); !ok {
		t.Errorf("the document does not validate against the OpenAPI 3.1 schema:%s", describe(errs))
	}
	checkRefs(t, c.raw)

	if len(m.Model.Security) == 0 {
		t.Errorf("no global security requirement")
	}
	ids := map[string]string{}
	paramInPath := regexp.MustCompile(`\{([^}]+)\}`)
	for template, item := range m.Model.Paths.PathItems.FromOldest() {
		if item.GetOperations().Len() == 0 {
			t.Errorf("%s: no operations", template)
		}
		for method, op := range item.GetOperations().FromOldest() {
			name := strings.ToUpper(method) + " " + template
			switch {
			case op.OperationId == "":
				t.Errorf("%s: no operationId", name)
			case ids[op.OperationId] != "":
				t.Errorf("%s: operationId %s is also used by %s", name, op.OperationId, ids[op.OperationId])
			default:
				ids[op.OperationId] = name
			}
			if strings.TrimSpace(op.Summary) == "" {
				t.Errorf("%s: no summary", name)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", name)
			}
			if op.Responses == nil || op.Responses.Codes == nil || op.Responses.Codes.Len() == 0 {
				t.Errorf("%s: no responses", name)
				continue
			}
			has4xx, has2xx := false, false
			for code := range op.Responses.Codes.KeysFromOldest() {
				has4xx = has4xx || strings.HasPrefix(code, "4")
				has2xx = has2xx || strings.HasPrefix(code, "2")
			}
			if !has2xx && !gone(item) {
				t.Errorf("%s: no 2xx response", name)
			}
			if !publicOperation(op) {
				if !has4xx {
					t.Errorf("%s: authentication applies but no 4xx response is documented", name)
				}
				if op.Responses.Codes.GetOrZero("401") == nil {
					t.Errorf("%s: authentication applies but 401 is not documented", name)
				}
				// Every authenticated request spends the token's request quota.
				if op.Responses.Codes.GetOrZero("429") == nil && !gone(item) {
					t.Errorf("%s: authentication applies but 429 (the per-token rate limit) is not documented", name)
				}
			}
			// The body rules of bind.go: a JSON body can be malformed (400), too large (413),
			// of another type (415) or invalid (422).
			if op.RequestBody != nil {
				for _, code := range []string{"400", "413", "415", "422"} {
					if op.Responses.Codes.GetOrZero(code) == nil {
						t.Errorf("%s: takes a JSON body but does not document %s", name, code)
					}
				}
			}
			// A 200 with an ETag can be a 304, asked for with If-None-Match.
			if ok := op.Responses.Codes.GetOrZero("200"); ok != nil && ok.Headers != nil && ok.Headers.GetOrZero("ETag") != nil {
				if op.Responses.Codes.GetOrZero("304") == nil {
					t.Errorf("%s: sends an ETag but does not document 304", name)
				}
				hasINM := false
				for _, p := range op.Parameters {
					hasINM = hasINM || (p.In == "header" && strings.EqualFold(p.Name, "If-None-Match"))
				}
				if !hasINM {
					t.Errorf("%s: sends an ETag but does not take If-None-Match", name)
				}
			}
			// Every error is application/problem+json and nothing else.
			for code, r := range op.Responses.Codes.FromOldest() {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				if r.Content == nil || r.Content.Len() != 1 || r.Content.GetOrZero("application/problem+json") == nil {
					t.Errorf("%s: response %s is not only application/problem+json", name, code)
				}
			}
			if gone(item) && (op.Responses.Codes.Len() != 1 || op.Responses.Codes.GetOrZero("404") == nil) {
				t.Errorf("%s: a legacy path must document exactly one response, 404", name)
			}
			declared := map[string]bool{}
			for _, p := range append(append([]*v3.Parameter{}, item.Parameters...), op.Parameters...) {
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
			for _, sub := range paramInPath.FindAllStringSubmatch(template, -1) {
				if !declared[sub[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", name, sub[1])
				}
			}
		}
	}
}

// checkRefs walks the YAML and checks that every $ref is a local JSON pointer to a node that
// exists.
func checkRefs(t *testing.T, raw []byte) {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	n := 0
	var walk func(node *yaml.Node)
	walk = func(node *yaml.Node) {
		if node.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == "$ref" {
					n++
					ref := node.Content[i+1].Value
					if !strings.HasPrefix(ref, "#/") {
						t.Errorf("line %d: $ref %q is not local", node.Content[i].Line, ref)
					} else if resolvePointer(&root, strings.TrimPrefix(ref, "#/")) == nil {
						t.Errorf("line %d: $ref %q does not resolve", node.Content[i].Line, ref)
					}
				}
			}
		}
		for _, child := range node.Content {
			walk(child)
		}
	}
	walk(&root)
	if n == 0 {
		t.Errorf("no $ref found: is the document empty?")
	}
}

func resolvePointer(root *yaml.Node, pointer string) *yaml.Node {
	node := root
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	for _, tok := range strings.Split(pointer, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if node.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == tok {
				next = node.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		node = next
	}
	return node
}

// echoParam turns an Echo route path into an OpenAPI template: :param → {param}, /* → /{rest}.
var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func templateOf(echoPath string) string {
	p := echoParam.ReplaceAllString(echoPath, "{$1}")
	if strings.HasSuffix(p, "/*") {
		p = strings.TrimSuffix(p, "*") + "{rest}"
	}
	return p
}

// TestEveryRouteIsDocumented: every registered route is in openapi.yaml and every documented
// operation is a registered route. Legacy (gone) paths need only their path documented; HEAD and
// OPTIONS are not written out.
func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	if contractErr != nil {
		t.Fatalf("%s: %v", specFile, contractErr)
	}
	e := newEnv(t)
	items := map[string]*v3.PathItem{}
	for template, item := range theContract.model.Paths.PathItems.FromOldest() {
		items[template] = item
	}
	registered := map[string]bool{}
	for _, r := range e.srv.Routes() {
		template := templateOf(r.Path)
		registered[r.Method+" "+template] = true
		if r.Method == http.MethodHead || r.Method == http.MethodOptions {
			continue
		}
		item := items[template]
		switch {
		case item == nil:
			t.Errorf("route %s %s: path %s is not documented in %s", r.Method, r.Path, template, specFile)
		case gone(item):
			// Every method of a legacy path answers what its documented GET does.
		case operation(item, r.Method) == nil:
			t.Errorf("route %s %s: %s %s is not documented in %s", r.Method, r.Path, r.Method, template, specFile)
		}
	}
	var documented []string
	for template, item := range items {
		for method := range item.GetOperations().FromOldest() {
			documented = append(documented, strings.ToUpper(method)+" "+template)
		}
	}
	sort.Strings(documented)
	for _, d := range documented {
		if !registered[d] {
			t.Errorf("%s is documented in %s but no such route is registered", d, specFile)
		}
	}
}

// TestContractWalkthrough drives every documented operation at least once to a success, and the
// errors the other tests do not reach, so that checkContract sees every response schema.
func TestContractWalkthrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const password = "correct horse battery staple"
	admin, adminTok := e.user("admin@walk.test", true)
	member, memberTok := e.user("member@walk.test", false)
	outsider, _ := e.user("outsider@walk.test", false)

	expect := func(res response, status int, what string) response {
		t.Helper()
		if res.Status != status {
			t.Fatalf("%s = %d, want %d: %s", what, res.Status, status, res.Body)
		}
		return res
	}

	// Health.
	expect(e.do(http.MethodGet, "/healthz", "", nil), 200, "healthz")
	expect(e.do(http.MethodGet, "/readyz", "", nil), 200, "readyz")
	expect(e.do(http.MethodGet, "/metrics", "", nil), 200, "metrics")

	// Sign-in.
	login := expect(e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": admin.Email, "password": password}), 200, "login").json(t)
	session := login["token"].(string)
	expect(e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": admin.Email, "password": "wrong"}), 401, "login with a wrong password")
	expect(e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{}), 422, "login without fields")
	expect(e.do(http.MethodPost, "/api/v1/auth/login", "", `{"email": 1}`), 400, "login with a number")
	expect(e.do(http.MethodPost, "/api/v1/auth/login", "", `{"email": "a"}`, "Content-Type", "text/plain"), 415, "login as text")
	expect(e.do(http.MethodGet, "/api/v1/me", session, nil), 200, "me")
	expect(e.do(http.MethodGet, "/api/v1/me", "", nil), 401, "me without a token")

	// Workspaces and tenants.
	ws := expect(e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]any{"name": "Walk", "slug": "walk"}), 201, "create workspace").json(t)
	wsID := int64(ws["id"].(float64))
	wsPath := "/api/v1/workspaces/" + itoa(wsID)
	expect(e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]any{"name": "Walk", "slug": "walk"}), 409, "create workspace again")
	expect(e.do(http.MethodPost, "/api/v1/workspaces", adminTok, map[string]any{"name": "", "slug": "-"}), 422, "create invalid workspace")
	expect(e.do(http.MethodPost, "/api/v1/workspaces", memberTok, map[string]any{"name": "Mine", "slug": "mine"}), 403, "create workspace as a non-admin")
	expect(e.do(http.MethodGet, "/api/v1/workspaces", adminTok, nil), 200, "list workspaces")

	tenantBody := map[string]any{"name": "Contoso", "entra_tenant_id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "domain": "contoso.onmicrosoft.com"}
	tn := expect(e.do(http.MethodPost, wsPath+"/tenants", adminTok, tenantBody), 201, "create tenant").json(t)
	tnID := int64(tn["id"].(float64))
	expect(e.do(http.MethodPost, wsPath+"/tenants", adminTok, map[string]any{"name": "Fabrikam", "entra_tenant_id": "1b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "domain": nil}), 201, "create tenant without a domain")
	expect(e.do(http.MethodPost, wsPath+"/tenants", adminTok, tenantBody), 409, "create tenant again")
	expect(e.do(http.MethodPost, wsPath+"/tenants", adminTok, map[string]any{"name": "X", "entra_tenant_id": "nope"}), 422, "create invalid tenant")
	expect(e.do(http.MethodGet, wsPath+"/tenants", adminTok, nil), 200, "list tenants")
	expect(e.do(http.MethodGet, "/api/v1/workspaces/999999/tenants", adminTok, nil), 404, "tenants of a missing workspace")
	expect(e.do(http.MethodGet, "/api/v1/workspaces/abc/tenants", adminTok, nil), 400, "tenants of a non-numeric workspace")
	expect(e.do(http.MethodGet, "/api/v1/me", adminTok, nil), 200, "me with a workspace")

	// Users.
	expect(e.do(http.MethodGet, "/api/v1/users?email="+member.Email, adminTok, nil), 200, "find user")
	expect(e.do(http.MethodGet, "/api/v1/users?email=nobody@walk.test", adminTok, nil), 200, "find no user")
	expect(e.do(http.MethodGet, "/api/v1/users", adminTok, nil), 400, "find user without email")
	expect(e.do(http.MethodGet, "/api/v1/users?email=a&colour=blue", adminTok, nil), 400, "find user with an unknown parameter")
	expect(e.do(http.MethodGet, "/api/v1/users?email="+admin.Email, memberTok, nil), 403, "find user as a non-owner")

	// Members.
	memberPath := wsPath + "/members/" + itoa(member.ID)
	tenantMemberPath := "/api/v1/tenants/" + itoa(tnID) + "/members/" + itoa(member.ID)
	expect(e.do(http.MethodPut, tenantMemberPath, adminTok, map[string]any{"role": "readonly"}), 422, "tenant member outside the workspace")
	expect(e.do(http.MethodPut, memberPath, adminTok, map[string]any{"role": "operator"}), 200, "add workspace member")
	expect(e.do(http.MethodPut, tenantMemberPath, adminTok, map[string]any{"role": "readonly"}), 200, "add tenant member")
	expect(e.do(http.MethodPut, wsPath+"/members/999999", adminTok, map[string]any{"role": "operator"}), 404, "add a missing user")
	expect(e.do(http.MethodPut, wsPath+"/members/"+itoa(admin.ID), adminTok, map[string]any{"role": "readonly"}), 409, "demote the last owner")
	expect(e.do(http.MethodDelete, wsPath+"/members/"+itoa(admin.ID), adminTok, nil), 409, "remove the last owner")
	expect(e.do(http.MethodPut, wsPath+"/members/"+itoa(outsider.ID), memberTok, map[string]any{"role": "operator"}), 403, "add a member as an operator")
	expect(e.do(http.MethodGet, "/api/v1/me", memberTok, nil), 200, "me as a member")
	expect(e.do(http.MethodDelete, tenantMemberPath, adminTok, nil), 204, "remove tenant member")
	expect(e.do(http.MethodDelete, tenantMemberPath, adminTok, nil), 404, "remove tenant member again")
	expect(e.do(http.MethodDelete, memberPath, adminTok, nil), 204, "remove workspace member")
	expect(e.do(http.MethodDelete, wsPath+"/members/abc", adminTok, nil), 400, "remove a non-numeric user")

	// Operations.
	types := expect(e.do(http.MethodGet, "/api/v1/operation-types", adminTok, nil), 200, "operation types")
	expect(e.do(http.MethodGet, "/api/v1/operation-types", adminTok, nil, "If-None-Match", types.Header.Get("ETag")), 304, "operation types again")
	run := e.id(`INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, outcome, summary_counts, failure_summary, context, started_at, completed_at, created_at)
		VALUES ($1, $2, $3, 'admin', 'inventory_sync', 'completed', 'failed', '{"total": 3, "failed": 3}',
		'[{"code": "graph.forbidden", "message": "Forbidden", "count": 3}]', '{"selection": {"policy_types": ["deviceConfiguration"]}}',
		$4, $5, $4)`, wsID, tnID, admin.ID, time.Now().Add(-time.Minute), time.Now())
	e.run(wsID, nil, "legacy.custom_job")
	e.id(`INSERT INTO operation_runs (workspace_id, tenant_id, initiator_name, type) VALUES ($1, $2, 'System', 'entra_group_sync')`, wsID, tnID)
	detail := expect(e.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(run), adminTok, nil), 200, "run detail")
	expect(e.do(http.MethodGet, "/api/v1/operation-runs/"+itoa(run), adminTok, nil, "If-None-Match", detail.Header.Get("ETag")), 304, "run detail again")
	listPath := "/api/v1/operation-runs?limit=1&workspace_id=" + itoa(wsID) + "&type=inventory_sync&type=entra_group_sync&status=completed&status=queued"
	list := expect(e.do(http.MethodGet, listPath, adminTok, nil), 200, "run list")
	expect(e.do(http.MethodGet, listPath, adminTok, nil, "If-None-Match", list.Header.Get("ETag")), 304, "run list again")
	next, _ := list.json(t)["next_cursor"].(string)
	if next == "" || list.Header.Get("Link") == "" {
		t.Fatalf("run list: no next page: %v %s", list.Header, list.Body)
	}
	page2 := expect(e.do(http.MethodGet, listPath+"&cursor="+next, adminTok, nil), 200, "run list, page 2")
	if !bytes.Contains(page2.Body, []byte(`"total":3`)) {
		t.Errorf("page 2 should hold the inventory sync with its counts: %s", page2.Body)
	}
	expect(e.do(http.MethodGet, "/api/v1/operation-runs?initiator=system&tab=active&created_after=2000-01-01T00:00:00Z", adminTok, nil), 200, "run list by initiator")
	counts := expect(e.do(http.MethodGet, "/api/v1/operation-runs/counts?tenant_id="+itoa(tnID), adminTok, nil), 200, "run counts")
	// The counts' ETag covers the counts, not as_of: with nothing changed it matches, although
	// this test's cache TTL of 0 computes them afresh.
	expect(e.do(http.MethodGet, "/api/v1/operation-runs/counts?tenant_id="+itoa(tnID), adminTok, nil, "If-None-Match", counts.Header.Get("ETag")), 304, "run counts again")
	e.run(wsID, &tnID, "inventory_sync")
	expect(e.do(http.MethodGet, "/api/v1/operation-runs/counts?tenant_id="+itoa(tnID), adminTok, nil, "If-None-Match", counts.Header.Get("ETag")), 200, "run counts after a new run")

	// Every GET answers HEAD: the GET's status and headers, no body (checkHead).
	for _, path := range []string{"/healthz", "/api/v1/me", wsPath + "/tenants", "/api/v1/operation-types", listPath,
		"/api/v1/operation-runs/counts?tenant_id=" + itoa(tnID), "/api/v1/operation-runs/" + itoa(run)} {
		head := e.do(http.MethodHead, path, adminTok, nil)
		get := e.do(http.MethodGet, path, adminTok, nil)
		if head.Status != get.Status || head.Header.Get("ETag") != get.Header.Get("ETag") || head.Header.Get("Link") != get.Header.Get("Link") {
			t.Errorf("HEAD %s = %d %v, GET = %d %v", path, head.Status, head.Header, get.Status, get.Header)
		}
	}
	expect(e.do(http.MethodHead, "/api/v1/operation-runs/999999", adminTok, nil), 404, "HEAD a missing run")
	expect(e.do(http.MethodHead, "/api/v1/me", "", nil), 401, "HEAD me without a token")
	expect(e.do(http.MethodHead, "/api/v1/auth/logout", adminTok, nil), 404, "HEAD on a POST-only path")
	expect(e.do(http.MethodGet, "/api/v1/operation-runs/counts?limit=5", adminTok, nil), 400, "run counts with a limit")

	// Undocumented methods and paths answer the generic 404.
	expect(e.do(http.MethodPatch, "/api/v1/operation-runs", adminTok, map[string]any{}), 404, "PATCH on the run list")
	expect(e.do(http.MethodGet, "/api/v1/nothing-here", adminTok, nil), 404, "unknown path")

	// Sign-out: the token stops working.
	expect(e.do(http.MethodPost, "/api/v1/auth/logout", session, nil), 204, "logout")
	expect(e.do(http.MethodGet, "/api/v1/me", session, nil), 401, "me after logout")
	expect(e.do(http.MethodPost, "/api/v1/auth/logout", session, nil), 401, "logout again")

	// Signing out with a token revoked elsewhere (the tokens command), which the authenticator
	// still trusts from its cache (no LISTEN here to tell it), is 204 too.
	second := expect(e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": admin.Email, "password": password}), 200, "login again").json(t)["token"].(string)
	expect(e.do(http.MethodGet, "/api/v1/me", second, nil), 200, "me with the second session")
	p, err := e.auth.Verify(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.tenancy.RevokeToken(context.Background(), admin.ID, p.TokenID); err != nil {
		t.Fatal(err)
	}
	expect(e.do(http.MethodPost, "/api/v1/auth/logout", second, nil), 204, "logout with a token revoked elsewhere")
	expect(e.do(http.MethodGet, "/api/v1/me", second, nil), 401, "me after that logout")
	// And with one that is gone altogether.
	third := expect(e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"email": admin.Email, "password": password}), 200, "login a third time").json(t)["token"].(string)
	expect(e.do(http.MethodGet, "/api/v1/me", third, nil), 200, "me with the third session")
	if _, err := e.db.SQL.Exec(`DELETE FROM api_tokens WHERE token_hash = $1`, tenancy.HashToken(third)); err != nil {
		t.Fatal(err)
	}
	expect(e.do(http.MethodPost, "/api/v1/auth/logout", third, nil), 204, "logout with a deleted token")
	expect(e.do(http.MethodGet, "/api/v1/me", third, nil), 401, "me after that logout")
}
