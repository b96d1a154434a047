package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/secrets"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// connectionsCmd: `tenantatlas connections set --tenant ID --kind graph --client-id X --secret-stdin`
// stores a tenant's Microsoft Graph connection; the client secret is read from stdin and stored
// only encrypted under TENANTATLAS_SECRET_KEY. `--certificate-file PATH` instead authenticates
// with a certificate: PATH is a PEM file with the certificate and its RSA private key, stored
// encrypted the same way. `--kind simulated` connects the demo provider.
func connectionsCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "set" {
		return fmt.Errorf("%w: connections takes a subcommand: set", errUsage)
	}
	fs := flag.NewFlagSet("connections set", flag.ContinueOnError)
	tenantID := fs.Int64("tenant", 0, "the tenant's id (required)")
	kind := fs.String("kind", connections.KindGraph, "graph or simulated")
	clientID := fs.String("client-id", "", "the app registration's client id (graph)")
	secretStdin := fs.Bool("secret-stdin", false, "read the client secret from the first line of stdin (graph)")
	certFile := fs.String("certificate-file", "", "PEM `file` with the app's certificate and its RSA private key, instead of a secret (graph)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || *tenantID < 1 {
		return fmt.Errorf("%w: connections set needs --tenant ID and no other arguments", errUsage)
	}
	if *secretStdin && *certFile != "" {
		return fmt.Errorf("%w: give --secret-stdin or --certificate-file, not both", errUsage)
	}
	conn := connections.Connection{Kind: *kind, ClientID: *clientID}
	if *certFile != "" {
		pemData, err := readCertificateFile(*certFile)
		if err != nil {
			return fmt.Errorf("connections set: %w", err)
		}
		conn.CertificatePEM = pemData
	}
	if *secretStdin {
		secret, err := readPasswordLine(e.stdin)
		if err != nil {
			return fmt.Errorf("connections set: %w", err)
		}
		conn.ClientSecret = secret
	}
	if err := e.cfg.RequireDatabase(); err != nil {
		return err
	}
	var sealer *secrets.Sealer
	if e.cfg.SecretKey != "" {
		var err error
		if sealer, err = secrets.NewSealer(e.cfg.SecretKey); err != nil {
			return fmt.Errorf("connections set: %w", err)
		}
	}
	db, err := database.Open(ctx, e.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("connections set: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	t, err := tenancy.NewService(db).Tenant(ctx, *tenantID)
	if err != nil {
		return fmt.Errorf("connections set: tenant %d: %w", *tenantID, err)
	}
	if err := connections.NewConnections(db, sealer).Save(ctx, t.ID, conn); err != nil {
		return fmt.Errorf("connections set: %w", err)
	}
	fmt.Fprintf(e.stdout, "tenant %d (%s) connected: %s\n", t.ID, t.Name, conn.Kind)
	return nil
}

// maxCertificateFile bounds a --certificate-file: a certificate, its chain and a key fit easily.
const maxCertificateFile = 1 << 20

// readCertificateFile reads a PEM file; errors name the file, never its content.
func readCertificateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("certificate file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCertificateFile+1))
	if err != nil {
		return nil, fmt.Errorf("certificate file %s: %w", path, err)
	}
	if len(data) > maxCertificateFile {
		return nil, fmt.Errorf("certificate file %s is larger than %d bytes", path, maxCertificateFile)
	}
	if _, _, err := graph.ParseCertificatePEM(data); err != nil {
		return nil, fmt.Errorf("certificate file %s: %w", path, err)
	}
	return data, nil
}
