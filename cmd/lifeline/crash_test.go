package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashLosesNothing starts the real binary, drives concurrent appends
// with idempotency keys, kills it with SIGKILL mid-load, restarts it and
// retries every request that was not acknowledged. Every acknowledged event
// must be there exactly once, nothing duplicated, positions without gaps.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "", syscall.SIGKILL) })
	t.Run("postgres", func(t *testing.T) { crashTest(t, bin, freshPostgres(t), syscall.SIGKILL) })
}

// TestGracefulShutdown sends SIGTERM under the same load: the server must
// drain what it accepted, flush the writer and exit 0, losing nothing.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops the real binary")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "", syscall.SIGTERM) })
	t.Run("postgres", func(t *testing.T) { crashTest(t, bin, freshPostgres(t), syscall.SIGTERM) })
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lifeline")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freshPostgres returns the URL of a new, empty database on the test cluster.
func freshPostgres(t *testing.T) string {
	t.Helper()
	url := os.Getenv("LIFELINE_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("LIFELINE_TEST_DATABASE_URL is not set: run the tests with `make test`")
		}
		t.Skip("LIFELINE_TEST_DATABASE_URL is not set: run `make test` to test against PostgreSQL")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("crash_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

func startServer(t *testing.T, bin, dataDir, database string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{url: "http://" + addr, logs: new(bytes.Buffer)}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", dataDir, "--database", database)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	s.cmd.Env = append(os.Environ(), "LIFELINE_MASTER_KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become ready:\n%s", s.logs)
	return nil
}

type ack struct{ first, last int64 }

func crashTest(t *testing.T, bin, database string, sig syscall.Signal) {
	dataDir := t.TempDir()
	srv := startServer(t, bin, dataDir, database)
	const workers = 32
	var mu sync.Mutex
	acked := map[string]ack{} // idempotency key -> where it landed
	var sent []string
	client := &http.Client{Timeout: 5 * time.Second}
	post := func(url, key string) (ack, bool) {
		body := fmt.Sprintf(`{"events":[{"type":"crash.test","subject":"person-%s","data":{"key":%q}},{"type":"crash.test","data":{"key":%q,"second":true}}]}`, key[len(key)-1:], key, key)
		req, _ := http.NewRequest("POST", url+"/v1/streams/crash-"+key[len(key)-1:]+"/events", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		res, err := client.Do(req)
		if err != nil {
			return ack{}, false
		}
		defer res.Body.Close()
		var r struct{ FirstPosition, LastPosition int64 }
		var raw map[string]any
		if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&raw) != nil {
			return ack{}, false
		}
		r.FirstPosition, r.LastPosition = int64(raw["first_position"].(float64)), int64(raw["last_position"].(float64))
		return ack{r.FirstPosition, r.LastPosition}, true
	}

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("w%02d-%06d-%d", w, i, i%10)
				mu.Lock()
				sent = append(sent, key)
				mu.Unlock()
				if a, ok := post(srv.url, key); ok {
					mu.Lock()
					acked[key] = a
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	exit := srv.cmd.Wait()
	stop()
	wg.Wait()
	if sig == syscall.SIGTERM {
		if exit != nil {
			t.Fatalf("after SIGTERM the server exited with %v, want 0:\n%s", exit, srv.logs)
		}
		if !bytes.Contains(srv.logs.Bytes(), []byte(`"msg":"stopped"`)) {
			t.Errorf("the server did not log a clean stop:\n%s", srv.logs)
		}
	}
	if len(acked) < 100 {
		t.Fatalf("only %d appends were acknowledged before the kill; the test needs load", len(acked))
	}
	t.Logf("%d requests sent, %d acknowledged before %v", len(sent), len(acked), sig)

	srv = startServer(t, bin, dataDir, database)
	// Retry everything: unacknowledged requests may or may not have landed;
	// acknowledged ones must come back as replays of the same result.
	for _, key := range sent {
		a, ok := post(srv.url, key)
		if !ok {
			t.Fatalf("retry of %s failed after restart:\n%s", key, srv.logs)
		}
		if was, acknowledged := acked[key]; acknowledged && was != a {
			t.Errorf("%s was acknowledged at %v but a retry says %v", key, was, a)
		}
	}

	seen := map[string]int{}
	var pos int64
	for {
		res, err := http.Get(fmt.Sprintf("%s/v1/events?after=%d&limit=10000", srv.url, pos))
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Events []struct {
				Position int64
				Data     struct {
					Key    string
					Second bool
				}
			}
			NextAfter int64 `json:"next_after"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			break
		}
		for _, e := range page.Events {
			if e.Position != pos+1 {
				t.Fatalf("position %d follows %d: a gap", e.Position, pos)
			}
			pos = e.Position
			if !e.Data.Second {
				seen[e.Data.Key]++
			}
		}
	}
	for _, key := range sent {
		if n := seen[key]; n != 1 {
			t.Errorf("request %s is in the log %d times, want exactly once", key, n)
		}
	}
	if pos != int64(2*len(sent)) {
		t.Errorf("log has %d events, want %d (two per request)", pos, 2*len(sent))
	}
}
