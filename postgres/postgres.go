// Package postgres stores the event log and subscription state in PostgreSQL,
// so that several stateless lifeline instances can share one database.
//
// Appends go through a group-commit queue: one transaction and one WAL flush
// per batch of concurrent requests. Every batch locks a single head row
// before it assigns positions, so positions become visible strictly in order
// on every instance (see commitBatch). Each instance keeps one connection
// listening for the notification every commit sends, to wake its waiting
// subscribers without polling.
package postgres

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/seal"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configures a DB.
type Options struct {
	MasterKey []byte           // wraps every subject's data key; 32 bytes
	Now       func() time.Time // default time.Now
	Rand      io.Reader        // ids, keys and nonces; default crypto/rand.Reader
	Logger    *slog.Logger     // default slog.Default()
	// OnCommit, when set, is called after each group commit with the number
	// of requests in the batch, the events it wrote and how long it took.
	OnCommit func(requests, events int, took time.Duration)
}

const (
	maxBatch       = 1000             // requests per group-commit transaction
	defaultConns   = 16               // pool size unless the URL sets pool_max_conns
	commitTimeout  = 30 * time.Second // one batch, including waiting for the head lock
	keyCacheSize   = 100_000          // unwrapped data keys kept per instance
	keyCacheMaxAge = 10 * time.Minute // then a key is unwrapped again
)

// DB is a PostgreSQL-backed lifeline.EventLog and lifeline.SubscriptionStore.
// It is safe for concurrent use.
type DB struct {
	pool     *pgxpool.Pool
	keyring  *seal.Keyring
	keys     *keyCache
	now      func() time.Time
	rand     io.Reader // used only from the commit goroutine
	log      *slog.Logger
	onCommit func(requests, events int, took time.Duration)
	queue    *groupcommit.Queue[*appendReq, lifeline.AppendResult]
	// ledgerQueue groups ledger posts into transactions (see ledger.go).
	ledgerQueue *groupcommit.Queue[*ledgerReq, ledger.Applied]

	// seen is the highest position this instance knows to be visible, from
	// its own commits and from notifications. resets counts listener
	// (re)connections: notifications may have been missed around each.
	seen    atomic.Int64
	resets  atomic.Uint64
	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever seen or resets moves

	vacuum    chan struct{} // asks the vacuum goroutine to clean subject_keys
	stop      context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

var (
	_ lifeline.EventLog          = (*DB)(nil)
	_ lifeline.SubscriptionStore = (*DB)(nil)
)

// Open connects to the PostgreSQL database at url (a postgres:// URL or
// key=value DSN), brings its schema up to date and starts the writer and the
// notification listener. Close releases them.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// The keyring's own cache is keyed by subject alone, which cannot tell an
	// erased key from its successor; keyCache, keyed by key id, is used
	// instead, so the keyring keeps just one entry.
	keyring, err := seal.NewKeyring(opts.MasterKey, opts.Rand, 1)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultConns
	}
	// Plan every execution with its real parameters and table sizes. A
	// generic plan made while a table is nearly empty (a sequential scan)
	// would otherwise stay cached as the table grows, turning each batched
	// index lookup into a scan of the whole table.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := migrate(ctx, pool, opts.Logger); err != nil {
		pool.Close()
		return nil, err
	}
	if err := checkMasterKey(ctx, pool, opts.MasterKey); err != nil {
		pool.Close()
		return nil, err
	}

	db := &DB{
		pool:     pool,
		keyring:  keyring,
		keys:     newKeyCache(keyCacheSize, keyCacheMaxAge),
		now:      opts.Now,
		rand:     opts.Rand,
		log:      opts.Logger,
		onCommit: opts.OnCommit,
		changed:  make(chan struct{}),
		vacuum:   make(chan struct{}, 1),
	}
	lctx, stop := context.WithCancel(context.Background())
	db.stop = stop
	// The first LISTEN is made here so that a misconfigured database fails
	// Open rather than every later wait.
	conn, err := db.connectListener(ctx)
	if err != nil {
		stop()
		pool.Close()
		return nil, err
	}
	db.wg.Add(2)
	go db.listen(lctx, conn)
	go db.vacuumLoop(lctx)
	db.queue = groupcommit.New(maxBatch, db.commit, nil) // a PostgreSQL commit is durable when it returns
	db.ledgerQueue = groupcommit.New(256, db.ledgerCommitGroup, nil)
	return db, nil
}

// checkMasterKey refuses to run under a master key other than the one the
// database was first opened with: every instance must share one key.
func checkMasterKey(ctx context.Context, pool *pgxpool.Pool, master []byte) error {
	want := seal.KeyCheck(master)
	if _, err := pool.Exec(ctx, `INSERT INTO master_key_check (id, value) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, want); err != nil {
		return fmt.Errorf("postgres: record master key check: %w", err)
	}
	var got []byte
	if err := pool.QueryRow(ctx, `SELECT value FROM master_key_check WHERE id = 1`).Scan(&got); err != nil {
		return fmt.Errorf("postgres: read master key check: %w", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("postgres: %w", seal.ErrWrongMasterKey)
	}
	return nil
}

// migrate applies the embedded migrations. A PostgreSQL advisory lock keeps
// instances starting together from racing each other.
func migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true), goose.WithSlog(log))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate schema: %w", err)
	}
	return nil
}

// Close commits every append already queued, then stops the listener and
// closes the connection pool. Appends after Close fail with EUNAVAILABLE.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.queue.Close()
		db.ledgerQueue.Close() // commits every ledger post already queued
		db.stop()
		db.wg.Wait()
		db.pool.Close()
	})
	return nil
}

// rollbackUnlessCommitted ends conn's transaction if its writer returned
// before committing, whatever happened to the writer's context, so the
// connection goes back to the pool clean. Writers defer it with a flag they
// set once COMMIT has succeeded.
func rollbackUnlessCommitted(conn *pgxpool.Conn, committed *bool) {
	if *committed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	conn.Exec(ctx, "rollback")
	cancel()
}

// Ping reports whether the database is reachable.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// clock returns the store's time at the database's precision: timestamptz
// keeps microseconds, so a value handed back to a caller must not carry more,
// or an as-at read with it would miss what it names.
func (db *DB) clock() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// vacuumLoop cleans subject_keys after erasures, so the dead row holding an
// erased wrapped key is removed from the table's pages. Requests arriving
// while it runs are coalesced into one more pass.
func (db *DB) vacuumLoop(ctx context.Context) {
	defer db.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.vacuum:
		}
		// VACUUM cannot run in a transaction block: use the simple protocol.
		_, err := db.pool.Exec(ctx, "VACUUM subject_keys", pgx.QueryExecModeSimpleProtocol)
		if err != nil && !errors.Is(err, context.Canceled) {
			db.log.Warn("postgres: vacuum subject_keys after erasure; autovacuum will do it later", "err", err)
		}
	}
}

// keyCache holds unwrapped data keys by key id. An entry is only ever used
// together with proof, from the same snapshot or transaction, that its key
// row still exists, so an entry left behind by an erasure on another
// instance is dead weight until it ages out, never a way to read erased data.
type keyCache struct {
	mu     sync.Mutex
	m      map[int64]cachedKey
	limit  int
	maxAge time.Duration
}

type cachedKey struct {
	subject string
	aead    cipher.AEAD
	added   time.Time
}

func newKeyCache(limit int, maxAge time.Duration) *keyCache {
	return &keyCache{m: make(map[int64]cachedKey), limit: limit, maxAge: maxAge}
}

func (c *keyCache) get(id int64, subject string) (cipher.AEAD, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[id]
	if !ok || k.subject != subject {
		return nil, false
	}
	if time.Since(k.added) > c.maxAge {
		delete(c.m, id)
		return nil, false
	}
	return k.aead, true
}

func (c *keyCache) put(id int64, subject string, a cipher.AEAD) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.limit {
		for k := range c.m { // drop an arbitrary entry: cheap and good enough
			delete(c.m, k)
			break
		}
	}
	c.m[id] = cachedKey{subject: subject, aead: a, added: time.Now()}
}

func (c *keyCache) drop(ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.m, id)
	}
}
