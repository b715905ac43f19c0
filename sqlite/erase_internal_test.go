package sqlite

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// TestEraseDoesNotReportSuccessWithKeyInWAL: EraseSubject truncates the
// write-ahead log so that the erased key's old page does not linger there.
// When a reader keeps the log from being truncated, it must not report
// success with the key still in the log.
func TestEraseDoesNotReportSuccessWithKeyInWAL(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir(), Options{MasterKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Append(ctx, lifeline.AppendRequest{Stream: "s", Expected: lifeline.ExpectAny, Events: []lifeline.NewEvent{
		{Type: "note", Subject: "person-a", Data: []byte(`{"a":1}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	// A reader in the middle of a transaction pins the log.
	conn, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ectx, cancel := context.WithTimeout(ctx, 12*time.Second)
	defer cancel()
	err = db.EraseSubject(ectx, "person-a")
	fi, serr := os.Stat(db.path + "-wal")
	if serr != nil {
		t.Fatal(serr)
	}
	if err == nil && fi.Size() != 0 {
		t.Fatalf("EraseSubject succeeded with the write-ahead log still %d bytes", fi.Size())
	}
	if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	// Once the reader is gone, a retry truncates it.
	if err := db.EraseSubject(ctx, "person-a"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(db.path + "-wal"); fi.Size() != 0 {
		t.Fatalf("write-ahead log is %d bytes after erasure", fi.Size())
	}
}
