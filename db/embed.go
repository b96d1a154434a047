// Package db holds the schema of TenantAtlas Operations: the golang-migrate chain under
// migrations/, embedded into the binary.
package db

//go:generate go run ./rivergen -out migrations

import "embed"

// Migrations holds every *.up.sql and *.down.sql file of the chain.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// MigrationsDir is the directory inside Migrations that holds the files.
const MigrationsDir = "migrations"
