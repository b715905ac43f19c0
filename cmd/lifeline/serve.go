package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/metrics"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/seal"
	"github.com/lifeline-gov/lifeline/sharing"
	"github.com/lifeline-gov/lifeline/subscription"
)

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to listen on")
	data := fs.String("data", "./data", "data directory: the embedded database and the master key file")
	database := fs.String("database", os.Getenv("LIFELINE_DATABASE_URL"), "PostgreSQL URL (postgres://...); empty for the embedded store (env LIFELINE_DATABASE_URL)")
	logOrigin := fs.String("log-origin", "lifeline.example/log", "origin of the provenance log: its name in every checkpoint; the key (env LIFELINE_LOG_KEY, else log.key in the data directory) is made for it")
	var witnesses stringList
	fs.Var(&witnesses, "witness", "a witness whose cosignatures of the provenance log are accepted and served, as its cosigner key \"<name>+<hash>+<key>\" (repeatable; env LIFELINE_WITNESSES, comma-separated)")
	issuer := fs.String("issuer", "lifeline", "the name the platform signs partners' access tokens with (iss): its public origin, e.g. https://lifeline.example.gov.uk")
	demo := fs.Int("demo", 0, "on first start, load a synthetic population of this many people (specimen QQ National Insurance numbers, Ofcom drama phone numbers) and accept specimen numbers; 0 for none")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	logger := newLogger(stderr)
	slog.SetDefault(logger)

	m := metrics.New()
	st, master, err := openStore(ctx, storeConfig{dataDir: *data, database: *database, logger: logger, onCommit: m.ObserveCommit, onSync: m.ObserveSync})
	if err != nil {
		return err
	}
	defer func() {
		// Close flushes the group-commit queue: every acknowledged append is durable.
		if err := st.Close(); err != nil {
			logger.Error("close store", "err", err)
		}
		logger.Info("stopped")
	}()

	// Both stores keep the provenance log; every instance on a database must
	// share its key, so give LIFELINE_LOG_KEY to each on PostgreSQL.
	if *database != "" && os.Getenv("LIFELINE_LOG_KEY") == "" {
		logger.Warn("LIFELINE_LOG_KEY is not set: using the log key file in the data directory; every instance on this database must share it")
	}
	logKey, vkey, err := publish.LoadKey(os.Getenv("LIFELINE_LOG_KEY"), filepath.Join(*data, publish.KeyFile), *logOrigin)
	if err != nil {
		return err
	}
	logVerifier, err := provenance.NewVerifier(vkey)
	if err != nil {
		return err
	}
	logger.Info("provenance log", "origin", *logOrigin, "verifier_key", vkey)

	if env := os.Getenv("LIFELINE_WITNESSES"); env != "" && len(witnesses) == 0 {
		witnesses = strings.Split(env, ",")
	}
	var witnessVerifiers []note.Verifier
	for _, w := range witnesses {
		v, err := provenance.ParseCosignerKey(strings.TrimSpace(w))
		if err != nil {
			return fmt.Errorf("--witness %q: %w", w, err)
		}
		witnessVerifiers = append(witnessVerifiers, v)
	}

	svc := newClaims(st, master, *demo > 0)
	payrun := newPayments(st, svc, filepath.Join(*data, "payments"))
	notary := publish.NewNotary(st, logKey)
	defer notary.Close()
	sharer := sharing.New(st, svc, notary, sharing.Config{Issuer: *issuer, MasterKey: master, AllowSpecimenNINO: *demo > 0})
	srv := &http.Server{
		Handler: (&lhttp.Server{Log: st, Rules: rules.NewEngine(nil), Ready: st.Ping, Metrics: m, Logger: logger,
			Provenance: &publish.Log{Store: st, Verifier: logVerifier, Witnesses: witnessVerifiers, Logger: logger},
			Claims:     svc, Payments: payrun, Sharing: sharer, Notary: notary}).Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, r := range subscriptions(st, svc, notary, sharer, m, logger) {
		wg.Go(func() { r.Run(work) })
	}
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	deliverer := &sharing.Deliverer{Service: sharer, Leases: st, Holder: holder, Logger: logger}
	wg.Go(func() {
		if err := deliverer.Run(work); err != nil && work.Err() == nil {
			logger.Error("webhook deliveries stopped", "err", err)
		}
	})
	if *demo > 0 { // before listening, so that the first request sees a working department
		if err := loadDemo(ctx, st, svc, *demo, logger); err != nil {
			stopWork()
			wg.Wait()
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		stopWork()
		wg.Wait()
		return err
	}
	logger.Info("serving", "addr", ln.Addr().String(), "store", storeName(*database))
	signer := &publish.Signer{Store: st, Leases: st, Holder: fmt.Sprintf("%s/%d", host, os.Getpid()), Key: logKey, Logger: logger}
	wg.Go(func() { signer.Run(work) })

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		stopWork()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopWork()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// subscriptions are the background consumers this instance runs. Each runs
// on one instance at a time across a PostgreSQL deployment.
func subscriptions(st store, svc *claims.Service, notary *publish.Notary, sharer *sharing.Service, m *metrics.Metrics, logger *slog.Logger) []*subscription.Runner {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/%d", host, os.Getpid())
	counts := m.EventTypes()
	// Callers choose event types, so the number of series is bounded: types
	// beyond the first maxEventTypes seen are counted together as "other".
	const maxEventTypes = 500
	seen := map[string]bool{}
	return []*subscription.Runner{{
		Name: "metrics.event-types", Holder: holder, Log: st, Store: st, Logger: logger, ReportLag: m.ObserveLag,
		Handle: func(ctx context.Context, e lifeline.Event) error {
			typ := e.Type
			if !seen[typ] {
				if len(seen) >= maxEventTypes {
					typ = "other"
				} else {
					seen[typ] = true
				}
			}
			counts.WithLabelValues(typ).Inc()
			return nil
		},
	}, {
		Name: claims.SubscriptionName, Holder: holder, Log: st, Store: st, Logger: logger, ReportLag: m.ObserveLag,
		HandleBatch: svc.HandleBatch,
	}, {
		Name: claims.DecisionsSubscription, Holder: holder, Log: st, Store: st, Logger: logger, ReportLag: m.ObserveLag,
		HandleBatch: svc.CommitDecisions(notary),
	}, {
		Name: sharing.FeedSubscriptionName, Holder: holder, Log: st, Store: st, Logger: logger, ReportLag: m.ObserveLag,
		HandleBatch: sharer.HandleFeedBatch,
	}}
}

// newClaims builds the claims service on the store. Its index key is
// derived from the master key, so every instance on a database agrees.
func newClaims(st store, master []byte, allowSpecimen bool) *claims.Service {
	return claims.New(st, claims.Config{IndexKey: indexKey(master), AllowSpecimenNINO: allowSpecimen})
}

func indexKey(master []byte) []byte { return seal.DeriveKey(master, "national insurance number index") }

func storeName(database string) string {
	if database == "" {
		return "sqlite"
	}
	return "postgres"
}

// newLogger logs JSON unless stderr is a terminal.
func newLogger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
