// Package sqlite is the embedded store: the event log and subscriptions in
// one SQLite database file, through the pure Go driver modernc.org/sqlite.
//
// SQLite allows one writer at a time, so the store has exactly one: a
// goroutine that takes every append waiting and commits them in one
// transaction. Durability is a stage of its own: a second goroutine
// fdatasyncs the write-ahead log and only then answers the callers and lets
// readers see their events. That is what synchronous=FULL would do inside
// the commit; done outside it, the writer commits the next batch while the
// disk syncs, and one fsync covers every batch committed before it began.
// SQLite itself runs with synchronous=NORMAL, which in WAL mode still syncs
// the log before each checkpoint and the database after it, so a checkpoint
// can never lose a commit.
//
// Readers use a pool of their own connections and never wait for the
// writer; they see only events up to the durable head. A lock file keeps a
// second process off the same directory.
package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/groupcommit"
	"github.com/lifeline-gov/lifeline/ledger"
	"github.com/lifeline-gov/lifeline/seal"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database's file name inside the data directory.
const FileName = "lifeline.db"

// Options configure a DB. MasterKey is required.
type Options struct {
	MasterKey []byte
	Now       func() time.Time // default time.Now
	Rand      io.Reader        // default crypto/rand.Reader
	Logger    *slog.Logger
	// OnCommit, if set, is called after each group commit (before its
	// fsync) and OnSync after each fsync: for metrics.
	OnCommit func(requests, events int, took time.Duration)
	OnSync   func(took time.Duration)
}

// DB is the SQLite store. It implements lifeline.EventLog and
// lifeline.SubscriptionStore.
type DB struct {
	path   string
	lock   *os.File
	write  *sql.DB // the writer goroutine's connection, and one for leases
	read   *sql.DB
	stmts  sync.Map // query -> *sql.Stmt on read
	opts   Options
	keys   *seal.Keyring
	writer *writer
	queue  *groupcommit.Queue[op, lifeline.AppendResult]
	// ledgerQueue groups ledger posts into transactions on the spare write
	// connection (see ledger.go).
	ledgerQueue *groupcommit.Queue[*ledgerReq, ledger.Applied]

	// keyMu orders key loads by readers against erasure: a reader that
	// found a key caches it only if no erasure ran in between.
	keyMu sync.RWMutex

	committed atomic.Int64 // last committed position, durable or not
	head      atomic.Int64 // last durable position: what readers may see
	wal       *os.File     // the write-ahead log, for fdatasync

	stopCheckpoints chan struct{}
	checkpoints     sync.WaitGroup
	broken          atomic.Pointer[error]
	wakeMu          sync.Mutex
	wake            chan struct{} // closed and replaced after each commit
	closeMu         sync.Mutex
	closed          bool
}

// Open opens (creating if need be) the store in dir, runs migrations and
// starts the writer.
func Open(ctx context.Context, dir string, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	keys, err := seal.NewKeyring(opts.MasterKey, opts.Rand, 100_000)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	db := &DB{path: filepath.Join(dir, FileName), lock: lock, opts: opts, keys: keys, wake: make(chan struct{})}
	if err := db.open(ctx); err != nil {
		db.closeHandles()
		return nil, err
	}
	return db, nil
}

func (db *DB) open(ctx context.Context) error {
	// synchronous=NORMAL: commits are made durable by db.sync (see above).
	// secure_delete: deleted content (an erased key) is overwritten with zeros.
	// wal_autocheckpoint=0: checkpoints run in the background (checkpointer),
	// not inside a commit that callers are waiting for.
	dsn := "file:" + db.path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=secure_delete(ON)&_pragma=wal_autocheckpoint(0)" +
		"&_pragma=cache_size(-65536)&_txlock=immediate"
	var err error
	if db.write, err = sql.Open("sqlite", dsn); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(2) // the writer's, and one for leases and checkpoints
	db.write.SetConnMaxIdleTime(0)
	if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(ON)"); err != nil {
		return err
	}
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)

	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.path, err)
	}
	if err := db.checkMasterKey(ctx); err != nil {
		return err
	}
	if db.writer, err = newWriter(ctx, db); err != nil {
		return err
	}
	if db.wal, err = os.OpenFile(db.path+"-wal", os.O_RDWR, 0); err != nil {
		return fmt.Errorf("open write-ahead log: %w", err)
	}
	// After a crash of the process (not of the machine) the log may hold
	// commits that were never synced: they are readable now, so make them
	// durable before any reader may see them.
	if err := db.wal.Sync(); err != nil {
		return fmt.Errorf("sync write-ahead log: %w", err)
	}
	db.committed.Store(db.writer.head)
	db.head.Store(db.writer.head)
	db.queue = groupcommit.New(1024, db.writer.commit, db.sync)
	db.ledgerQueue = groupcommit.New(256, db.ledgerCommitGroup, nil)
	db.stopCheckpoints = make(chan struct{})
	db.checkpoints.Add(1)
	go db.checkpointer()
	return nil
}

// checkpointer copies the write-ahead log into the database file every
// second, on its own connection, so the log stays short without a commit
// ever waiting for it. PASSIVE never blocks the writer; SQLite starts the
// log again from its beginning once a checkpoint has copied all of it.
func (db *DB) checkpointer() {
	defer db.checkpoints.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-db.stopCheckpoints:
			return
		case <-t.C:
		}
		if _, err := db.write.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			db.opts.Logger.Warn("sqlite: checkpoint", "err", err)
		}
	}
}

// sync makes every committed batch durable, then lets readers see it. After
// a failed fsync the state of the file is unknown, so the store stops taking
// writes rather than guess (the lesson of PostgreSQL's "fsyncgate").
func (db *DB) sync() error {
	if err := db.broken.Load(); err != nil {
		return *err
	}
	began := time.Now()
	committed := db.committed.Load()
	if err := db.wal.Sync(); err != nil {
		db.opts.Logger.Error("sqlite: fsync of the write-ahead log failed; refusing further writes", "err", err)
		var stop error = lifeline.Errorf(lifeline.EUNAVAILABLE, "the store could not write to disk and has stopped taking writes; an operator must restart it")
		db.broken.Store(&stop)
		return stop
	}
	if f := db.opts.OnSync; f != nil {
		f(time.Since(began))
	}
	if committed > db.head.Load() {
		db.published(committed)
	}
	return nil
}

// checkMasterKey refuses to run under a master key other than the one the
// database was first opened with.
func (db *DB) checkMasterKey(ctx context.Context) error {
	want := seal.KeyCheck(db.opts.MasterKey)
	if _, err := db.write.ExecContext(ctx, `INSERT INTO master_key_check (id, value) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, want); err != nil {
		return fmt.Errorf("sqlite: record master key check: %w", err)
	}
	var got []byte
	if err := db.write.QueryRowContext(ctx, `SELECT value FROM master_key_check WHERE id = 1`).Scan(&got); err != nil {
		return fmt.Errorf("sqlite: read master key check: %w", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("sqlite: %s: %w", db.path, seal.ErrWrongMasterKey)
	}
	return nil
}

// Close flushes every queued append, then closes the database.
func (db *DB) Close() error {
	db.closeMu.Lock()
	defer db.closeMu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	if db.queue != nil {
		db.queue.Close()
		db.ledgerQueue.Close() // commits every ledger post already queued
		close(db.stopCheckpoints)
		db.checkpoints.Wait()
	}
	return db.closeHandles()
}

func (db *DB) closeHandles() error {
	var errs []error
	if db.wal != nil {
		errs = append(errs, db.wal.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.close())
	}
	if db.read != nil {
		db.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(new(int))
}

// Files lists the database's files, for the erasure test and backups.
func (db *DB) Files() []string {
	return []string{db.path, db.path + "-wal", db.path + "-shm"}
}

// lockDir takes an exclusive lock on dir so that two processes never write
// the same database: the single-writer design depends on it.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lifeline.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another lifeline process: %w", dir, err)
	}
	return f, nil
}

// published makes position visible to Head and wakes waiters.
func (db *DB) published(position int64) {
	db.head.Store(position)
	db.wakeMu.Lock()
	close(db.wake)
	db.wake = make(chan struct{})
	db.wakeMu.Unlock()
}

// Head returns the last durable position.
func (db *DB) Head(ctx context.Context) (int64, error) {
	return db.head.Load(), nil
}

// WaitForAppend returns once an event past after is durable.
func (db *DB) WaitForAppend(ctx context.Context, after int64) error {
	for {
		db.wakeMu.Lock()
		wake := db.wake
		db.wakeMu.Unlock()
		if db.head.Load() > after {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var errClosed = lifeline.Errorf(lifeline.EUNAVAILABLE, "the store is shutting down; retry shortly")
