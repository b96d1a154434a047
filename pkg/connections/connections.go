// Package connections stores each tenant's provider connection (the provider_connections table:
// a Microsoft Graph app's client credentials, sealed at rest, or the simulated demo tenant) and
// builds the graph.Provider a run of the tenant uses.
package connections

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/secrets"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Connection kinds (provider_connections.kind).
const (
	KindGraph     = "graph"     // Microsoft Graph with an app's client credentials
	KindSimulated = "simulated" // the deterministic demo tenant
)

const (
	// ErrNoConnection reports a tenant without a stored connection.
	ErrNoConnection Error = "graph: the tenant has no provider connection"
	// ErrNoSealer reports a Graph connection without TENANTATLAS_SECRET_KEY to seal or open its
	// secret.
	ErrNoSealer Error = "graph: a Graph connection needs " + secrets.EnvVar + " to encrypt its client secret, and it is not set"
)

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// Connection is what Save stores for a tenant. A Graph connection has exactly one credential,
// ClientSecret or CertificatePEM; either is only ever stored sealed.
type Connection struct {
	Kind         string // KindGraph or KindSimulated
	ClientID     string // Graph only
	ClientSecret string // Graph only
	// CertificatePEM is the app's certificate and its RSA private key in PEM (see
	// graph.ClientConfig.CertificatePEM). Graph only.
	CertificatePEM []byte
}

// Credential kinds of a Graph connection (ConnectionInfo.Credential).
const (
	CredentialSecret      = "secret"
	CredentialCertificate = "certificate"
)

// ConnectionInfo describes a stored connection without its credential.
type ConnectionInfo struct {
	TenantID  int64
	Kind      string
	ClientID  string
	HasSecret bool // a credential (secret or certificate) is stored
	// Credential is CredentialSecret or CredentialCertificate for a Graph connection whose
	// credential opens with the configured key, "" otherwise.
	Credential string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The sealed plaintext of a Graph connection is "pem:" + the certificate PEM for a certificate
// and the bare client secret for a secret (as rows written before certificates held), or
// "secret:" + the secret when the secret itself starts with one of these prefixes. Entra's
// generated secrets never contain ':', so a bare secret is never mistaken for a prefix.
const (
	sealedPEMPrefix    = "pem:"
	sealedSecretPrefix = "secret:"
)

// sealedCredential encodes a connection's credential for sealing.
func sealedCredential(conn Connection) []byte {
	if len(conn.CertificatePEM) > 0 {
		return append([]byte(sealedPEMPrefix), conn.CertificatePEM...)
	}
	if strings.HasPrefix(conn.ClientSecret, sealedPEMPrefix) || strings.HasPrefix(conn.ClientSecret, sealedSecretPrefix) {
		return []byte(sealedSecretPrefix + conn.ClientSecret)
	}
	return []byte(conn.ClientSecret)
}

// openedCredential decodes an opened credential into secret or certificate PEM.
func openedCredential(plain []byte) (secret string, certPEM []byte) {
	if rest, ok := bytes.CutPrefix(plain, []byte(sealedPEMPrefix)); ok {
		return "", rest
	}
	if rest, ok := bytes.CutPrefix(plain, []byte(sealedSecretPrefix)); ok {
		return string(rest), nil
	}
	return string(plain), nil
}

// connectionRow is a provider_connections row.
type connectionRow struct {
	ID               int64 `gorm:"primaryKey"`
	TenantID         int64
	Kind             string
	ClientID         string
	SecretCiphertext []byte
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (connectionRow) TableName() string { return "provider_connections" }

// Connections stores tenants' provider connections and builds their Providers.
type Connections struct {
	db        *gorm.DB
	sealer    *secrets.Sealer
	client    graph.ClientConfig // template for Graph clients: endpoints, HTTP client, retry settings
	simulated graph.SimulatedOptions
}

// ConnectionsOption configures Connections.
type ConnectionsOption func(*Connections)

// WithEndpoints points Graph clients elsewhere (a fake Graph in tests): baseURL is the API root,
// tokenURL the token endpoint with "{tenant}" where the Entra tenant id goes.
func WithEndpoints(baseURL, tokenURL string) ConnectionsOption {
	return func(c *Connections) {
		c.client.BaseURL, c.client.TokenURL = baseURL, tokenURL
	}
}

// WithHTTPClient sets the HTTP client of Graph clients.
func WithHTTPClient(hc *http.Client) ConnectionsOption {
	return func(c *Connections) { c.client.HTTPClient = hc }
}

// WithClientConfig adjusts the template every Graph client is made from (retries, page size,
// sleep); tenant id and credentials are filled in per tenant.
func WithClientConfig(fn func(*graph.ClientConfig)) ConnectionsOption {
	return func(c *Connections) { fn(&c.client) }
}

// WithSimulatedOptions sizes the simulated tenants.
func WithSimulatedOptions(o graph.SimulatedOptions) ConnectionsOption {
	return func(c *Connections) { c.simulated = o }
}

// NewConnections returns the connections stored in db. sealer may be nil when no key is
// configured: simulated connections still work, Graph connections are refused with ErrNoSealer.
func NewConnections(db *gorm.DB, sealer *secrets.Sealer, opts ...ConnectionsOption) *Connections {
	c := &Connections{db: db, sealer: sealer}
	for _, o := range opts {
		o(c)
	}
	return c
}

// secretAAD binds a sealed secret to its tenant: a ciphertext copied to another tenant's row
// does not open.
func secretAAD(tenantID int64) []byte {
	return []byte("tenant:" + strconv.FormatInt(tenantID, 10))
}

// Save stores (creates or replaces) the tenant's connection. A Graph connection needs a client
// id and exactly one of a client secret and a certificate; it is sealed under
// TENANTATLAS_SECRET_KEY.
func (c *Connections) Save(ctx context.Context, tenantID int64, conn Connection) error {
	row := connectionRow{TenantID: tenantID, Kind: conn.Kind, ClientID: strings.TrimSpace(conn.ClientID)}
	switch conn.Kind {
	case KindGraph:
		hasCert := len(conn.CertificatePEM) > 0
		if row.ClientID == "" || (conn.ClientSecret == "") == !hasCert {
			return errors.New("graph: a Graph connection needs a client id and either a client secret or a certificate")
		}
		if hasCert {
			if _, _, err := graph.ParseCertificatePEM(conn.CertificatePEM); err != nil {
				return err
			}
		}
		if c.sealer == nil {
			return ErrNoSealer
		}
		sealed, err := c.sealer.Seal(sealedCredential(conn), secretAAD(tenantID))
		if err != nil {
			return fmt.Errorf("graph: seal the client credential: %w", err)
		}
		row.SecretCiphertext = sealed
	case KindSimulated:
		if conn.ClientSecret != "" || len(conn.CertificatePEM) > 0 {
			return errors.New("graph: a simulated connection takes no client secret or certificate")
		}
	default:
		return fmt.Errorf("graph: connection kind %q: want %q or %q", conn.Kind, KindGraph, KindSimulated)
	}
	err := c.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "tenant_id"}},
		DoUpdates: clause.Assignments(map[string]any{
			"kind":              row.Kind,
			"client_id":         row.ClientID,
			"secret_ciphertext": row.SecretCiphertext,
			"updated_at":        gorm.Expr("now()"),
		}),
	}).Omit("ID", "CreatedAt", "UpdatedAt").Create(&row).Error
	if err != nil {
		return fmt.Errorf("graph: save the connection of tenant %d: %w", tenantID, err)
	}
	return nil
}

// Get describes the tenant's connection, or ErrNoConnection.
func (c *Connections) Get(ctx context.Context, tenantID int64) (ConnectionInfo, error) {
	row, err := c.load(ctx, tenantID)
	if err != nil {
		return ConnectionInfo{}, err
	}
	info := ConnectionInfo{
		TenantID: row.TenantID, Kind: row.Kind, ClientID: row.ClientID, HasSecret: len(row.SecretCiphertext) > 0,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}
	if row.Kind == KindGraph && info.HasSecret && c.sealer != nil {
		if plain, err := c.sealer.Open(row.SecretCiphertext, secretAAD(tenantID)); err == nil {
			info.Credential = CredentialSecret
			if _, pem := openedCredential(plain); pem != nil {
				info.Credential = CredentialCertificate
			}
		}
	}
	return info, nil
}

// Delete removes the tenant's connection; deleting none is not an error.
func (c *Connections) Delete(ctx context.Context, tenantID int64) error {
	if err := c.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Delete(&connectionRow{}).Error; err != nil {
		return fmt.Errorf("graph: delete the connection of tenant %d: %w", tenantID, err)
	}
	return nil
}

func (c *Connections) load(ctx context.Context, tenantID int64) (connectionRow, error) {
	var rows []connectionRow
	if err := c.db.WithContext(ctx).Where("tenant_id = ?", tenantID).Limit(1).Find(&rows).Error; err != nil {
		return connectionRow{}, fmt.Errorf("graph: load the connection of tenant %d: %w", tenantID, err)
	}
	if len(rows) == 0 {
		return connectionRow{}, ErrNoConnection
	}
	return rows[0], nil
}

// Provider returns the tenant's provider: a graph.Client for a Graph connection, a
// graph.Simulated tenant (keyed by the Entra tenant id, at generation) for a simulated one,
// ErrNoConnection when none is stored. A Client is made afresh on every call, so a sync run
// fetches its own token.
func (c *Connections) Provider(ctx context.Context, tenant tenancy.Tenant, generation int64) (graph.Provider, error) {
	row, err := c.load(ctx, tenant.ID)
	if err != nil {
		return nil, err
	}
	switch row.Kind {
	case KindSimulated:
		key := tenant.EntraTenantID
		if key == "" {
			key = "tenant:" + strconv.FormatInt(tenant.ID, 10)
		}
		return graph.NewSimulated(key, generation, c.simulated), nil
	case KindGraph:
		if c.sealer == nil {
			return nil, ErrNoSealer
		}
		if len(row.SecretCiphertext) == 0 {
			return nil, fmt.Errorf("graph: the Graph connection of tenant %d has no client secret: save it again", tenant.ID)
		}
		plain, err := c.sealer.Open(row.SecretCiphertext, secretAAD(tenant.ID))
		if err != nil {
			return nil, fmt.Errorf("graph: the client secret of tenant %d does not decrypt (was %s changed?): %w", tenant.ID, secrets.EnvVar, err)
		}
		secret, certPEM := openedCredential(plain)
		if tenant.EntraTenantID == "" {
			return nil, fmt.Errorf("graph: tenant %d has no Entra tenant id", tenant.ID)
		}
		cfg := c.client
		cfg.TenantID, cfg.ClientID, cfg.ClientSecret, cfg.CertificatePEM = tenant.EntraTenantID, row.ClientID, secret, certPEM
		return graph.NewClient(cfg)
	}
	return nil, fmt.Errorf("graph: tenant %d has a connection of unknown kind %q", tenant.ID, row.Kind)
}

// EnsureSimulated gives a tenant the simulated provider unless it has a connection already, in
// tx (the demo's tenants need no credentials).
func EnsureSimulated(ctx context.Context, tx *gorm.DB, tenantID int64) error {
	if err := tx.WithContext(ctx).Exec(`INSERT INTO provider_connections (tenant_id, kind) VALUES (?, ?)
		ON CONFLICT (tenant_id) DO NOTHING`, tenantID, KindSimulated).Error; err != nil {
		return fmt.Errorf("simulated connection of tenant %d: %w", tenantID, err)
	}
	return nil
}
