package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/postgres"
	"github.com/lifeline-gov/lifeline/seal"
	"github.com/lifeline-gov/lifeline/sqlite"
)

// store is what the binary needs of either adapter.
type store interface {
	lifeline.EventLog
	lifeline.SubscriptionStore
	lifeline.ProvenanceLog
	ledger.Store
	Ping(ctx context.Context) error
	Close() error
}

// storeConfig says where the data lives.
type storeConfig struct {
	dataDir  string // embedded store, master key file
	database string // postgres:// URL; empty for the embedded store
	logger   *slog.Logger
	onCommit func(requests, events int, took time.Duration)
	onSync   func(took time.Duration)
}

// openStore opens PostgreSQL when a postgres:// URL is given, otherwise the
// embedded SQLite store in the data directory. It also returns the master key,
// from which the services derive their own keys.
func openStore(ctx context.Context, c storeConfig) (store, []byte, error) {
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	key, err := seal.LoadMasterKey(os.Getenv("LIFELINE_MASTER_KEY"), filepath.Join(c.dataDir, "master.key"))
	if err != nil {
		return nil, nil, err
	}
	st, err := open(ctx, c, key)
	return st, key, err
}

func open(ctx context.Context, c storeConfig, key []byte) (store, error) {
	switch {
	case c.database == "":
		return sqlite.Open(ctx, c.dataDir, sqlite.Options{MasterKey: key, Logger: c.logger, OnCommit: c.onCommit, OnSync: c.onSync})
	case strings.HasPrefix(c.database, "postgres://"), strings.HasPrefix(c.database, "postgresql://"):
		if os.Getenv("LIFELINE_MASTER_KEY") == "" {
			c.logger.Warn("LIFELINE_MASTER_KEY is not set: using the key file in the data directory; every instance on this database must share it")
		}
		return postgres.Open(ctx, c.database, postgres.Options{MasterKey: key, Logger: c.logger, OnCommit: c.onCommit})
	default:
		return nil, fmt.Errorf("--database must be a postgres:// URL (or empty for the embedded store), not %q", redact(c.database))
	}
}

// redact hides anything that looks like a password in a URL.
func redact(url string) string {
	if at := strings.LastIndex(url, "@"); at > 0 {
		if scheme := strings.Index(url, "://"); scheme > 0 && scheme < at {
			return url[:scheme+3] + "…" + url[at:]
		}
	}
	return url
}

// openQuiet opens the store for a one-off command, logging only warnings.
func openQuiet(ctx context.Context, dataDir, database string, stderr io.Writer) (store, []byte, error) {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openStore(ctx, storeConfig{dataDir: dataDir, database: database, logger: logger})
}
