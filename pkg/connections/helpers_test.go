package connections

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/tenantatlas/operations/pkg/graph"
)

const (
	testTenant = "9f2c4d1e-0b7a-4c55-8a3e-2d6f1b9c7e10"
	testClient = "5b1e0c7d-3f2a-4e89-b6d4-7a0c9e1f2b34"
	testSecret = "Qx8~s3cr3t.V4lue_that-must-never-leak"
	configs    = "deviceManagement/deviceConfigurations"
)

// credRecorder is a transport that remembers which credential each token request carried:
// "certificate" (a client assertion), "secret" (a client secret) or "".
type credRecorder struct {
	mu    sync.Mutex
	kinds []string
}

func (r *credRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		form, _ := url.ParseQuery(string(body))
		kind := ""
		switch {
		case form.Get("client_assertion") != "":
			kind = "certificate"
		case form.Get("client_secret") != "":
			kind = "secret"
		}
		r.mu.Lock()
		r.kinds = append(r.kinds, kind)
		r.mu.Unlock()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	return http.DefaultTransport.RoundTrip(req)
}

// last is the credential of the latest token request, "" when there was none.
func (r *credRecorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.kinds) == 0 {
		return ""
	}
	return r.kinds[len(r.kinds)-1]
}

// collect lists a policy type into one slice.
func collect(ctx context.Context, p graph.Provider, policyType string) ([]graph.Object, int, error) {
	var all []graph.Object
	pages := 0
	err := p.ListPolicies(ctx, policyType, func(page []graph.Object) error {
		pages++
		all = append(all, page...)
		return nil
	})
	return all, pages, err
}

func collectGroups(ctx context.Context, p graph.Provider) ([]graph.Group, error) {
	var all []graph.Group
	err := p.ListGroups(ctx, func(page []graph.Group) error {
		all = append(all, page...)
		return nil
	})
	return all, err
}
