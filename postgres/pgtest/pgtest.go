// Package pgtest gives tests a fresh PostgreSQL database on the throwaway
// cluster that `make test` starts (scripts/with-postgres.sh), named by
// LIFELINE_TEST_DATABASE_URL.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var count atomic.Int64

// AdminURL returns the cluster's URL. Without one the test is skipped, or
// fails in CI, where PostgreSQL tests must not be skipped.
func AdminURL(t testing.TB) string {
	u := os.Getenv("LIFELINE_TEST_DATABASE_URL")
	if u == "" {
		const msg = "LIFELINE_TEST_DATABASE_URL is not set: run `make test` or `scripts/with-postgres.sh go test ./...`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (PostgreSQL tests must not be skipped in CI)")
		}
		t.Skip(msg)
	}
	return u
}

// Exec runs one statement as the cluster's administrator.
func Exec(t testing.TB, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL(t))
	if err != nil {
		t.Fatalf("connect to the test cluster: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// NewDatabase creates an empty database, dropped when the test ends, and
// returns its URL and name.
func NewDatabase(t testing.TB) (string, string) {
	admin := AdminURL(t)
	name := fmt.Sprintf("lifeline_test_%d_%d", os.Getpid(), count.Add(1))
	Exec(t, "CREATE DATABASE "+name+" TEMPLATE template0")
	t.Cleanup(func() { Exec(t, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("LIFELINE_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String(), name
}
