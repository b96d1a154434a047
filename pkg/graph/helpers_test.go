package graph

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/graph/graphtest"
)

const (
	testTenant = "9f2c4d1e-0b7a-4c55-8a3e-2d6f1b9c7e10"
	testClient = "5b1e0c7d-3f2a-4e89-b6d4-7a0c9e1f2b34"
	testSecret = "Qx8~s3cr3t.V4lue_that-must-never-leak"
)

// recorder is a transport that remembers every request (URL and Authorization header).
type recorder struct {
	mu    sync.Mutex
	base  http.RoundTripper
	urls  []string
	auths []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.String())
	if a := req.Header.Get("Authorization"); a != "" {
		r.auths = append(r.auths, a)
	}
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) snapshot() (urls, auths []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...), append([]string(nil), r.auths...)
}

// sleeps records the waits a client asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type harness struct {
	srv    *graphtest.Server
	rec    *recorder
	sleeps *sleeps
	client *Client
}

// newHarness starts a fake Graph with one tenant and a client for it; mod adjusts the config.
func newHarness(t *testing.T, mod func(*ClientConfig)) *harness {
	t.Helper()
	srv := graphtest.NewServer(t)
	srv.AddTenant(testTenant, testClient, testSecret)
	h := &harness{srv: srv, rec: &recorder{base: http.DefaultTransport}, sleeps: &sleeps{}}
	cfg := ClientConfig{
		TenantID:     testTenant,
		ClientID:     testClient,
		ClientSecret: testSecret,
		BaseURL:      srv.URL(),
		TokenURL:     srv.TokenURL("{tenant}"),
		HTTPClient:   &http.Client{Transport: h.rec, Timeout: 10 * time.Second},
		Sleep:        h.sleeps.sleep,
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	h.client = c
	return h
}

// collect lists a policy type into one slice.
func collect(ctx context.Context, p Provider, policyType string) ([]Object, int, error) {
	var all []Object
	pages := 0
	err := p.ListPolicies(ctx, policyType, func(page []Object) error {
		pages++
		all = append(all, page...)
		return nil
	})
	return all, pages, err
}

func collectGroups(ctx context.Context, p Provider) ([]Group, error) {
	var all []Group
	err := p.ListGroups(ctx, func(page []Group) error {
		all = append(all, page...)
		return nil
	})
	return all, err
}

// asGraphError fails the test unless err is a *Error with the given code.
func asGraphError(t *testing.T, err error, code string) *Error {
	t.Helper()
	ge, ok := err.(*Error)
	if !ok {
		t.Fatalf("err = %T %v, want *graph.Error %s", err, err, code)
	}
	if ge.Code != code || FailureCode(err) != code {
		t.Fatalf("err = %v (code %q), want code %q", err, ge.Code, code)
	}
	return ge
}
