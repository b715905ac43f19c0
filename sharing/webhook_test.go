package sharing_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sharing"
)

// partnerServer is a partner's webhook endpoint on loopback. It checks
// every signature as a partner would, and is down (503) for its first
// downFor requests and whenever down is set.
type partnerServer struct {
	*httptest.Server
	t       *testing.T
	downFor int
	down    atomic.Bool
	mu      sync.Mutex
	got     []received
}

type received struct {
	item    sharing.FeedItem
	attempt int
	at      time.Time
	status  int
}

func newPartnerServer(t *testing.T, w *feedWorld, downFor int) *partnerServer {
	ps := &partnerServer{t: t, downFor: downFor}
	// The key is read once, as a partner would fetch it: it must verify
	// the signatures of every instance, also after a restart.
	pub := w.sharing.WebhookPublicKey()
	ps.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sharing.VerifyWebhook(pub, r.Header.Get(sharing.WebhookSignatureHeader), body, w.now()); err != nil {
			t.Errorf("webhook signature: %v", err)
			http.Error(rw, "bad signature", http.StatusUnauthorized)
			return
		}
		var it sharing.FeedItem
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil || r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			t.Errorf("webhook %s %s: %v: %s", r.Method, r.Header.Get("Content-Type"), err, body)
		}
		attempt, _ := strconv.Atoi(r.Header.Get(sharing.WebhookAttemptHeader))
		ps.mu.Lock()
		defer ps.mu.Unlock()
		status := http.StatusOK
		if len(ps.got) < ps.downFor || ps.down.Load() {
			status = http.StatusServiceUnavailable
		}
		ps.got = append(ps.got, received{item: it, attempt: attempt, at: time.Now(), status: status})
		if status != http.StatusOK {
			http.Error(rw, "down for maintenance", status)
		}
	}))
	t.Cleanup(ps.Close)
	return ps
}

// requests returns the requests made for an item.
func (ps *partnerServer) requests(id string) []received {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var out []received
	for _, r := range ps.got {
		if r.item.ID == id {
			out = append(out, r)
		}
	}
	return out
}

// accepted counts the requests for an item answered 200.
func (ps *partnerServer) accepted(id string) int {
	n := 0
	for _, r := range ps.requests(id) {
		if r.status == http.StatusOK {
			n++
		}
	}
	return n
}

func (ps *partnerServer) total() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.got)
}

// TestWebhookRetries: the partner is down for the first three attempts;
// the head item is retried with a growing wait, the one behind it waits
// its turn, and both arrive once, signed.
func TestWebhookRetries(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		const base = 20 * time.Millisecond
		p, a := w.agree("Leeds City Council", []string{"award_dates"}, []string{"award-started"})
		hook := newPartnerServer(t, w, 3)
		sub := w.subscribe(p, a, hook.URL, "award-started")
		w.build()
		w.deliver(sharing.RetryPolicy{BaseDelay: base, MaxDelay: time.Second, MaxAttempts: 10})
		w.seed(rules.UniversalCredit, "Ada", "Cy")
		w.seed(rules.StatePension, "Bob") // not covered: never told
		items := w.items(p, sub.ID, 2)
		var ds []sharing.Delivery
		eventually(t, "both items delivered and recorded", func() bool {
			var err error
			ds, err = w.sharing.Deliveries(t.Context(), sub.ID)
			return err == nil && len(ds) == 2 && ds[1].DeliveredAt != nil
		})

		head := hook.requests(items[0].ID)
		if len(head) != 4 {
			t.Fatalf("%d requests for the first item, want 3 failures and a success", len(head))
		}
		for i, r := range head {
			if r.attempt != i+1 {
				t.Errorf("request %d says attempt %d", i+1, r.attempt)
			}
			if i == 0 {
				continue
			}
			// The wait after failed attempt n is in [base·2^(n-1)/2, base·2^(n-1)].
			wait, least := r.at.Sub(head[i-1].at), base<<(i-1)/2
			if wait < least || wait > base<<(i-1)+500*time.Millisecond {
				t.Errorf("retry %d came %s after the one before; want from %s to %s", i, wait, least, base<<(i-1))
			}
		}
		if behind := hook.requests(items[1].ID); len(behind) != 1 || behind[0].attempt != 1 {
			t.Errorf("the second item was tried %d times; it should wait behind the first and go once", len(behind))
		}
		if hook.total() != 5 {
			t.Errorf("%d requests in all, want 5", hook.total())
		}
		if len(ds) != 2 || ds[0].Attempts != 4 || ds[0].DeliveredAt == nil || ds[0].LastStatus != 200 || ds[1].Attempts != 1 || ds[1].DeliveredAt == nil {
			t.Errorf("deliveries %+v", ds)
		}
		if got := items[0].Data["award_dates"]; got == nil || len(items[0].Data) != 1 {
			t.Errorf("item data %v, want award_dates only", items[0].Data)
		}
	})
}

// TestWebhookRestart stops the platform while the partner is down with
// items waiting, starts a new instance on the same store, and checks that
// every item arrives exactly once and the retries carry on counting.
func TestWebhookRestart(t *testing.T) {
	eachFeedStore(t, func(t *testing.T, w *feedWorld) {
		policy := sharing.RetryPolicy{BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond, MaxAttempts: 1000}
		p, a := w.agree("Leeds City Council", []string{"benefits"}, []string{"award-started"})
		hook := newPartnerServer(t, w, 0)
		sub := w.subscribe(p, a, hook.URL, "award-started")
		stopBuild, stopDeliver := w.build(), w.deliver(policy)
		w.seed(rules.UniversalCredit, "Ada", "Bo")
		first := w.items(p, sub.ID, 2)
		eventually(t, "the first two delivered", func() bool { return hook.accepted(first[0].ID) == 1 && hook.accepted(first[1].ID) == 1 })

		hook.down.Store(true)
		w.seed(rules.UniversalCredit, "Cy", "Di")
		waiting := w.items(p, sub.ID, 4)[2:]
		eventually(t, "the third tried while the partner is down", func() bool { return len(hook.requests(waiting[0].ID)) >= 2 })
		stopDeliver()
		stopBuild()
		triedBefore := len(hook.requests(waiting[0].ID))

		w.sharing = w.newSharing() // a new instance on the same store
		w.build()
		w.seed(rules.UniversalCredit, "Ed")
		all := w.items(p, sub.ID, 5)
		hook.down.Store(false)
		w.deliver(policy)
		eventually(t, "the rest delivered", func() bool {
			for _, it := range all[2:] {
				if hook.accepted(it.ID) != 1 {
					return false
				}
			}
			return true
		})
		var ds []sharing.Delivery
		eventually(t, "every delivery recorded", func() bool {
			var err error
			ds, err = w.sharing.Deliveries(t.Context(), sub.ID)
			return err == nil && len(ds) == 5 && !slices.ContainsFunc(ds, func(d sharing.Delivery) bool { return d.DeliveredAt == nil })
		})
		time.Sleep(50 * time.Millisecond) // long enough for a stray redelivery to show
		for _, it := range all {
			if n := hook.accepted(it.ID); n != 1 {
				t.Errorf("item %d accepted %d times, want once", it.Cursor, n)
			}
		}
		rs := hook.requests(waiting[0].ID)
		if last := rs[len(rs)-1]; last.status != 200 || last.attempt != triedBefore+1 {
			t.Errorf("the waiting item was delivered at attempt %d after %d before the restart; want the count carried on", last.attempt, triedBefore)
		}
		if ds[2].Attempts != triedBefore+1 {
			t.Errorf("the waiting item's state says %d attempts, want %d", ds[2].Attempts, triedBefore+1)
		}
	})
}

func TestWebhookDeadLetters(t *testing.T) {
	tests := []struct {
		name     string
		policy   sharing.RetryPolicy
		reason   string
		attempts func(int) bool
	}{
		{"after the last attempt", sharing.RetryPolicy{MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond},
			"3 attempts failed", func(n int) bool { return n == 3 }},
		{"when too old", sharing.RetryPolicy{MaxAttempts: 1000, MaxAge: 150 * time.Millisecond, BaseDelay: 40 * time.Millisecond, MaxDelay: 40 * time.Millisecond},
			"not delivered within", func(n int) bool { return n >= 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachFeedStore(t, func(t *testing.T, w *feedWorld) {
				ctx := t.Context()
				p, a := w.agree("Leeds City Council", []string{"benefits"}, []string{"award-started"})
				hook := newPartnerServer(t, w, 0)
				hook.down.Store(true)
				sub := w.subscribe(p, a, hook.URL, "award-started")
				w.build()
				w.deliver(tt.policy)
				w.seed(rules.UniversalCredit, "Ada", "Cy")
				items := w.items(p, sub.ID, 2)
				var dead []sharing.Delivery
				eventually(t, "both dead-lettered", func() bool {
					var err error
					dead, err = w.sharing.DeadLetters(ctx, sub.ID)
					return err == nil && len(dead) == 2
				})
				for _, d := range dead {
					if !strings.Contains(d.DeadReason, tt.reason) || !tt.attempts(d.Attempts) || d.DeadLetteredAt == nil {
						t.Errorf("dead letter %+v, want reason %q", d, tt.reason)
					}
					if d.Attempts > 0 && (d.LastStatus != 503 || !strings.Contains(d.LastError, "maintenance")) {
						t.Errorf("dead letter %+v, want the partner's 503 and its text", d)
					}
				}
				if dead[0].ItemID != items[0].ID || dead[1].ItemID != items[1].ID {
					t.Errorf("dead letters %+v, want items %s and %s", dead, items[0].ID, items[1].ID)
				}

				_, err := w.sharing.Redrive(ctx, sub.ID, []string{lifeline.DeriveID("nothing")})
				wantCode(t, err, lifeline.EINVALID, "ids")
				hook.down.Store(false)
				if n, err := w.sharing.Redrive(ctx, sub.ID, []string{items[0].ID}); err != nil || n != 1 {
					t.Fatalf("redrive one: %d, %v", n, err)
				}
				eventually(t, "the first redriven delivered", func() bool { return hook.accepted(items[0].ID) == 1 })
				if left, _ := w.sharing.DeadLetters(ctx, sub.ID); len(left) != 1 || left[0].ItemID != items[1].ID {
					t.Errorf("dead letters left %+v, want the second", left)
				}
				if n, err := w.sharing.Redrive(ctx, sub.ID, nil); err != nil || n != 1 {
					t.Fatalf("redrive the rest: %d, %v", n, err)
				}
				eventually(t, "the second redriven delivered", func() bool { return hook.accepted(items[1].ID) == 1 })
				if n, err := w.sharing.Redrive(ctx, sub.ID, nil); err != nil || n != 0 {
					t.Errorf("redrive with none dead: %d, %v", n, err)
				}
				_, err = w.sharing.DeadLetters(ctx, lifeline.DeriveID("no subscription"))
				wantCode(t, err, lifeline.ENOTFOUND, "subscription")
			})
		})
	}
}

// A fixed key and body for the signature tests.
var (
	hookKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	hookBody = []byte(`{"id":"0195f1a2-7c3d-7e4f-8a9b-0c1d2e3f4a5b","type":"death"}`)
	hookTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
)

func TestVerifyWebhook(t *testing.T) {
	pub := hookKey.Public().(ed25519.PublicKey)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	good := sharing.SignWebhook(hookKey, hookTime, hookBody)
	sig := strings.TrimPrefix(good[strings.Index(good, ",")+1:], "ed25519=")
	otherSig := strings.TrimPrefix(strings.SplitN(sharing.SignWebhook(other, hookTime, hookBody), ",", 2)[1], "ed25519=")
	ts := strconv.FormatInt(hookTime.Unix(), 10)
	tests := []struct {
		name   string
		key    ed25519.PublicKey
		header string
		body   []byte
		now    time.Time
		ok     bool
	}{
		{"as signed", pub, good, hookBody, hookTime, true},
		{"within the window", pub, good, hookBody, hookTime.Add(sharing.WebhookTolerance), true},
		{"clock behind, within the window", pub, good, hookBody, hookTime.Add(-sharing.WebhookTolerance), true},
		{"replayed after the window", pub, good, hookBody, hookTime.Add(sharing.WebhookTolerance + time.Second), false},
		{"from the future", pub, good, hookBody, hookTime.Add(-sharing.WebhookTolerance - time.Second), false},
		{"body changed", pub, good, append(slices.Clone(hookBody), ' '), hookTime, false},
		{"timestamp changed", pub, "t=" + strconv.FormatInt(hookTime.Unix()+1, 10) + ",ed25519=" + sig, hookBody, hookTime, false},
		{"another key", ed25519.PublicKey(other.Public().(ed25519.PublicKey)), good, hookBody, hookTime, false},
		{"rotation: one of two verifies", pub, "t=" + ts + ",ed25519=" + otherSig + ",ed25519=" + sig, hookBody, hookTime, true},
		{"order does not matter", pub, "ed25519=" + sig + ",t=" + ts, hookBody, hookTime, true},
		{"five signatures", pub, "t=" + ts + strings.Repeat(",ed25519="+otherSig, 4) + ",ed25519=" + sig, hookBody, hookTime, false},
		{"no header", pub, "", hookBody, hookTime, false},
		{"no timestamp", pub, "ed25519=" + sig, hookBody, hookTime, false},
		{"no signature", pub, "t=" + ts, hookBody, hookTime, false},
		{"timestamp twice", pub, "t=" + ts + ",t=" + ts + ",ed25519=" + sig, hookBody, hookTime, false},
		{"spaces", pub, "t=" + ts + ", ed25519=" + sig, hookBody, hookTime, false},
		{"leading zero", pub, "t=0" + ts + ",ed25519=" + sig, hookBody, hookTime, false},
		{"negative time", pub, "t=-" + ts + ",ed25519=" + sig, hookBody, hookTime, false},
		{"padded base64", pub, "t=" + ts + ",ed25519=" + base64.URLEncoding.EncodeToString(mustB64(t, sig)), hookBody, hookTime, false},
		{"standard base64", pub, "t=" + ts + ",ed25519=" + base64.RawStdEncoding.EncodeToString(mustB64(t, sig)), hookBody, hookTime, !strings.ContainsAny(sig, "-_")},
		{"short signature", pub, "t=" + ts + ",ed25519=" + sig[:40], hookBody, hookTime, false},
		{"unknown scheme", pub, "t=" + ts + ",v1=" + sig + ",ed25519=" + sig, hookBody, hookTime, false},
		{"empty value", pub, "t=" + ts + ",ed25519=", hookBody, hookTime, false},
		{"too long", pub, good + strings.Repeat(",", 1024), hookBody, hookTime, false},
		{"bad key", ed25519.PublicKey(pub[:31]), good, hookBody, hookTime, false},
	}
	for _, tt := range tests {
		err := sharing.VerifyWebhook(tt.key, tt.header, tt.body, tt.now)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && (lifeline.ErrorCode(err) != lifeline.EUNAUTHORIZED || lifeline.ErrorMessage(err) == "") {
			t.Errorf("%s: error %v, want unauthorized with a message", tt.name, err)
		}
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzVerifyWebhook: no header crashes the parser, and one that verifies
// for a body verifies for no other.
func FuzzVerifyWebhook(f *testing.F) {
	good := sharing.SignWebhook(hookKey, hookTime, hookBody)
	for _, h := range []string{good, "", "t=", "t=1,ed25519=", "ed25519=" + good, good + "," + good, "t=99999999999999,ed25519=x", "=,=,=", strings.Repeat("t=1,", 300)} {
		f.Add(h, hookBody)
	}
	pub := hookKey.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if sharing.VerifyWebhook(pub, header, body, hookTime) != nil {
			return
		}
		if sharing.VerifyWebhook(pub, header, append(slices.Clone(body), 'x'), hookTime) == nil {
			t.Fatalf("header %q verifies two bodies", header)
		}
	})
}
