package sharing

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/seal"
)

// Webhooks. Each item is POSTed to the subscription's URL as JSON (a
// FeedItem), with
//
//	Content-Type: application/json
//	Lifeline-Signature: t=<unix seconds>,ed25519=<signature>
//	Lifeline-Delivery-Attempt: <n>
//
// where the signature is Ed25519 over the bytes "<t>." followed by the body,
// encoded base64url without padding, made with the platform's webhook key
// (WebhookPublicKey, published for partners). A partner checks it with
// VerifyWebhook, or by hand: recompute the signed bytes, verify, and refuse
// a timestamp more than WebhookTolerance from its own clock, which bounds
// how long a captured request could be replayed. Within the window a
// replay is the same item again: partners deduplicate by the item's id, as
// delivery is at least once.
//
// Any 2xx answer is delivery. Anything else, or no answer within the
// timeout, is a failure: the item is tried again after an exponential
// backoff with jitter, capped, and after RetryPolicy.MaxAttempts attempts
// or once it is older than RetryPolicy.MaxAge it is dead-lettered, where an
// administrator can read it and drive it again. Items are delivered in
// cursor order: while the head of a feed waits to be retried, the items
// behind it wait too, so a partner that is down is not sent one failing
// request per item. Redirects are not followed: the data goes only where
// the subscription says.

const (
	// WebhookSignatureHeader carries the timestamp and signature.
	WebhookSignatureHeader = "Lifeline-Signature"
	// WebhookAttemptHeader numbers the attempt, from 1; it is not signed.
	WebhookAttemptHeader = "Lifeline-Delivery-Attempt"
	// WebhookTolerance is the replay window: how far a signature's
	// timestamp may be from the receiver's clock.
	WebhookTolerance = 5 * time.Minute

	maxSignatureHeader = 1024
	maxSignatures      = 4 // a header may carry several, for a key rotation
	maxErrorText       = 300

	feedDeliveryFailed = "feed-delivery-failed"
	feedDelivered      = "feed-delivered"
	feedDeadLettered   = "feed-dead-lettered"
	feedRedriven       = "feed-redriven"
	feedAcknowledged   = "feed-acknowledged"
)

func (s *Service) webhookKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seal.DeriveKey(s.master, "partner webhook signing key"))
}

// WebhookPublicKey is the key webhook signatures verify with. It is
// derived from the master key, so every instance signs alike. It backs
// GET /v1/partner/webhook-key.
func (s *Service) WebhookPublicKey() ed25519.PublicKey {
	return s.webhookKey().Public().(ed25519.PublicKey)
}

// SignWebhook returns the Lifeline-Signature header for body sent at t.
func SignWebhook(key ed25519.PrivateKey, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",ed25519=" + b64(ed25519.Sign(key, signedBytes(ts, body)))
}

func signedBytes(ts string, body []byte) []byte {
	return append([]byte(ts+"."), body...)
}

// VerifyWebhook checks a Lifeline-Signature header against the body and
// the platform's public key: well formed, a timestamp within
// WebhookTolerance of now, and a signature that verifies. The header is
// comma-separated key=value pairs with no spaces: one t (decimal Unix
// seconds) and one to four ed25519 values; anything else is refused.
func VerifyWebhook(publicKey ed25519.PublicKey, header string, body []byte, now time.Time) error {
	refuse := func(format string, args ...any) error {
		return lifeline.Errorf(lifeline.EUNAUTHORIZED, "webhook signature: "+format, args...)
	}
	if len(publicKey) != ed25519.PublicKeySize {
		return refuse("the public key is %d bytes, not %d", len(publicKey), ed25519.PublicKeySize)
	}
	if header == "" {
		return refuse("no %s header", WebhookSignatureHeader)
	}
	if len(header) > maxSignatureHeader {
		return refuse("the header is over %d bytes", maxSignatureHeader)
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(part, "=")
		switch {
		case !ok || v == "":
			return refuse("%q is not key=value", truncate(part, 40))
		case k == "t":
			if ts != "" {
				return refuse("t is given twice")
			}
			if len(v) > 12 || strings.Trim(v, "0123456789") != "" || (len(v) > 1 && v[0] == '0') {
				return refuse("t must be the Unix time in seconds, in decimal")
			}
			ts = v
		case k == "ed25519":
			sig, err := unb64(v)
			if err != nil || len(sig) != ed25519.SignatureSize {
				return refuse("an ed25519 value must be base64url (no padding) of %d bytes", ed25519.SignatureSize)
			}
			if len(sigs) == maxSignatures {
				return refuse("more than %d signatures", maxSignatures)
			}
			sigs = append(sigs, sig)
		default:
			return refuse("unknown key %q: only t and ed25519 are defined", truncate(k, 20))
		}
	}
	if ts == "" || len(sigs) == 0 {
		return refuse("the header needs t and at least one ed25519 value")
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // at most 12 digits: cannot overflow
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return refuse("the timestamp is %s from now, outside the %s replay window", d.Round(time.Second), WebhookTolerance)
	}
	msg := signedBytes(ts, body)
	for _, sig := range sigs {
		if ed25519.Verify(publicKey, msg, sig) {
			return nil
		}
	}
	return refuse("no signature verifies with the platform's webhook key")
}

// RetryPolicy bounds retries of a webhook. Zero fields take the defaults:
// 25 attempts over one to two and a half days (the waits are jittered),
// enough to ride out a partner's weekend outage and not much more.
type RetryPolicy struct {
	MaxAttempts int           // default 25
	MaxAge      time.Duration // default 72h: an item older than this is dead-lettered
	BaseDelay   time.Duration // default 10s: the first retry comes 5 to 10s after the failure
	MaxDelay    time.Duration // default 4h: the cap on one wait
}

func (p *RetryPolicy) defaults() {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 25
	}
	if p.MaxAge == 0 {
		p.MaxAge = 72 * time.Hour
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = 10 * time.Second
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = 4 * time.Hour
	}
}

// delay is the wait after failed attempt n (from 1): BaseDelay doubled for
// each attempt before, capped at MaxDelay, then jittered into its upper
// half, so partners coming back up are not hit by every instance at once
// and the wait still grows.
func (p RetryPolicy) delay(n int, rand io.Reader) time.Duration {
	d := p.MaxDelay
	if n-1 < 62 && p.BaseDelay <= p.MaxDelay>>(n-1) {
		d = p.BaseDelay << (n - 1)
	}
	var b [8]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return d
	}
	half := d / 2
	return half + time.Duration(binary.BigEndian.Uint64(b[:])%uint64(d-half+1))
}

// Leases is the part of lifeline.SubscriptionStore a Deliverer uses.
type Leases interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Deliverer posts feed items to partners' webhooks. Run one per instance:
// a lease per subscription in the store lets one instance at a time
// deliver a given feed, and the delivery state is in the log, so whichever
// holds it carries on where the last stopped.
type Deliverer struct {
	Service *Service
	Leases  Leases
	Holder  string // identifies this instance, e.g. host and process id
	// Client sends the requests; the default times out after 10s, follows
	// no redirects and dials no link-local, multicast or unspecified
	// address.
	Client   *http.Client
	Logger   *slog.Logger
	Retry    RetryPolicy
	Poll     time.Duration // how often to look for new subscriptions and items; default 1s
	LeaseTTL time.Duration // default 30s
}

func (d *Deliverer) defaults() {
	d.Retry.defaults()
	if d.Poll == 0 {
		d.Poll = time.Second
	}
	if d.LeaseTTL == 0 {
		d.LeaseTTL = 30 * time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Client == nil {
		dialer := &net.Dialer{Timeout: 5 * time.Second, Control: refuseAddress}
		d.Client = &http.Client{
			Timeout:       10 * time.Second,
			Transport:     &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 2},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}

// refuseAddress stops a webhook whose name resolves to an address no
// partner has, such as a cloud metadata service.
func refuseAddress(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err == nil && !publicEnough(ap.Addr().Unmap()) {
		return fmt.Errorf("webhook address %s refused", address)
	}
	return nil
}

// Run delivers until ctx ends. It starts a worker for each live webhook
// subscription as it appears; each worker holds its subscription's lease
// while it delivers and gives it up when it returns.
func (d *Deliverer) Run(ctx context.Context) error {
	d.defaults()
	ctx = WithActor(ctx, feedActor)
	var mu sync.Mutex
	running := map[string]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		subs, err := d.Service.Subscriptions(ctx, "")
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.Logger.Error("feed deliveries: list subscriptions", "err", err)
		}
		for _, sub := range subs {
			mu.Lock()
			start := sub.live() && sub.WebhookURL != "" && !running[sub.ID]
			running[sub.ID] = running[sub.ID] || start
			mu.Unlock()
			if start {
				w := &feedWorker{d: d, sub: sub, st: newFeedState(sub.ID, true)}
				wg.Go(func() {
					w.run(ctx)
					mu.Lock()
					delete(running, sub.ID)
					mu.Unlock()
				})
			}
		}
		if !pause(ctx, d.Poll) {
			return nil
		}
	}
}

// feedWorker delivers one subscription's feed.
type feedWorker struct {
	d       *Deliverer
	sub     *FeedSubscription
	st      *feedState
	lease   string
	renewed time.Time
}

func (w *feedWorker) run(ctx context.Context) {
	w.lease = "sharing.feed-delivery." + w.sub.ID
	log := w.d.Logger.With("subscription", w.sub.ID, "holder", w.d.Holder)
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		w.d.Leases.ReleaseLease(rctx, w.lease, w.d.Holder)
		cancel()
	}()
	for {
		wait := w.d.LeaseTTL / 3
		held, err := w.d.Leases.AcquireLease(ctx, w.lease, w.d.Holder, w.d.LeaseTTL)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Error("acquire feed delivery lease", "err", err)
		}
		if held {
			w.renewed = time.Now()
			sub, err := w.d.Service.subscription(ctx, w.sub.ID)
			if err == nil && !sub.live() {
				return // cancelled: nothing more is delivered
			}
			next := time.Time{}
			if err == nil {
				next, err = w.pass(ctx)
			}
			if ctx.Err() != nil {
				return
			}
			wait = w.d.Poll
			if err != nil {
				log.Error("feed delivery", "err", err)
			} else if !next.IsZero() {
				wait = min(wait, max(next.Sub(w.d.Service.now()), time.Millisecond))
			}
		}
		if !pause(ctx, wait) {
			return
		}
	}
}

// pass delivers the items that are due, in order, and returns when the
// head of the feed is next due (zero when nothing waits).
func (w *feedWorker) pass(ctx context.Context) (time.Time, error) {
	s := w.d.Service
	if err := w.st.refresh(ctx, s, true); err != nil {
		return time.Time{}, err
	}
	for len(w.st.queue) > 0 {
		dl := w.st.track[w.st.queue[0]]
		if dl == nil || dl.done() || dl.DeadLetteredAt != nil {
			w.st.queue = w.st.queue[1:]
			continue
		}
		now := s.now()
		if dl.NextAttemptAt != nil && now.Before(*dl.NextAttemptAt) {
			return *dl.NextAttemptAt, nil
		}
		if held, err := w.renew(ctx); err != nil || !held {
			return time.Time{}, err // lost: whoever holds it now delivers
		}
		if err := w.attempt(ctx, dl, now); err != nil {
			return time.Time{}, err
		}
		if err := w.st.refresh(ctx, s, true); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, nil
}

// renew keeps the lease between attempts.
func (w *feedWorker) renew(ctx context.Context) (bool, error) {
	if time.Since(w.renewed) <= w.d.LeaseTTL/3 {
		return true, nil
	}
	held, err := w.d.Leases.AcquireLease(ctx, w.lease, w.d.Holder, w.d.LeaseTTL)
	if held {
		w.renewed = time.Now()
	}
	return held, err
}

// deliveryRecord is the data of the delivery state events.
type deliveryRecord struct {
	Cursor  int64      `json:"cursor"`
	ItemID  string     `json:"item_id"`
	Attempt int        `json:"attempt"`
	At      time.Time  `json:"at"`
	Since   time.Time  `json:"since"` // when the item was made or last redriven
	Status  int        `json:"status,omitempty"`
	Error   string     `json:"error,omitempty"`
	NextAt  *time.Time `json:"next_at,omitempty"`
	Reason  string     `json:"reason,omitempty"`
}

type redriveRecord struct {
	Cursors []int64   `json:"cursors"`
	At      time.Time `json:"at"`
}

// attempt posts one item and records what happened.
func (w *feedWorker) attempt(ctx context.Context, dl *Delivery, now time.Time) error {
	s := w.d.Service
	rec := deliveryRecord{Cursor: dl.Cursor, ItemID: dl.ItemID, Attempt: dl.Attempts + 1, At: now, Since: dl.since}
	record := func(typ string) error {
		_, err := s.append(ctx, feedStateStream(w.sub.ID), lifeline.ExpectAny, "", event(ctx, typ, "", rec))
		return err
	}
	if !dl.since.IsZero() && now.Sub(dl.since) > w.d.Retry.MaxAge {
		// No attempt is made: the record keeps the last one's outcome.
		rec.Attempt, rec.Status, rec.Error = dl.Attempts, dl.LastStatus, dl.LastError
		rec.Reason = fmt.Sprintf("not delivered within %s", w.d.Retry.MaxAge)
		return record(feedDeadLettered)
	}
	events, err := s.log.ReadStream(ctx, feedStream(w.sub.ID), lifeline.StreamQuery{FromVersion: dl.Cursor, Limit: 1})
	if err != nil {
		return err
	}
	if len(events) != 1 {
		return lifeline.Errorf(lifeline.EINTERNAL, "feed %s has no item %d", w.sub.ID, dl.Cursor)
	}
	it, err := feedItemOf(events[0])
	if err != nil {
		return err
	}
	if it.Erased {
		dl.erased = true // the person's data is gone: there is nothing to send
		return nil
	}
	body, err := json.Marshal(it)
	if err != nil {
		return err
	}
	rec.At = s.now()
	rec.Status, rec.Error = w.post(ctx, body, rec.At, rec.Attempt)
	if ctx.Err() != nil {
		return ctx.Err() // stopping: not the partner's failure
	}
	switch {
	case rec.Error == "":
		return record(feedDelivered)
	case rec.Attempt >= w.d.Retry.MaxAttempts:
		rec.Reason = fmt.Sprintf("%d attempts failed", rec.Attempt)
		return record(feedDeadLettered)
	}
	// The wait runs from the failure, so a slow answer does not eat it.
	next := s.now().Add(w.d.Retry.delay(rec.Attempt, s.rand))
	rec.NextAt = &next
	return record(feedDeliveryFailed)
}

// post sends one signed request and returns the status and, unless it
// was 2xx, what went wrong.
func (w *feedWorker) post(ctx context.Context, body []byte, now time.Time, attempt int) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.sub.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, truncate(err.Error(), maxErrorText)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lifeline-webhooks")
	req.Header.Set(WebhookSignatureHeader, SignWebhook(w.d.Service.webhookKey(), now, body))
	req.Header.Set(WebhookAttemptHeader, strconv.Itoa(attempt))
	resp, err := w.d.Client.Do(req)
	if err != nil {
		return 0, truncate(err.Error(), maxErrorText)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorText))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, truncate(fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(text))), maxErrorText)
}

// Delivery is the delivery state of one item.
type Delivery struct {
	ItemID         string     `json:"item_id"`
	Cursor         int64      `json:"cursor"`
	Attempts       int        `json:"attempts"`
	LastAttemptAt  *time.Time `json:"last_attempt_at,omitempty"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	LastStatus     int        `json:"last_status,omitempty"` // HTTP status of the last attempt; 0 if none came
	LastError      string     `json:"last_error,omitempty"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	DeadLetteredAt *time.Time `json:"dead_lettered_at,omitempty"`
	DeadReason     string     `json:"dead_reason,omitempty"`
	since          time.Time  // the item's age counts from here
	erased         bool
}

func (d *Delivery) done() bool { return d.DeliveredAt != nil || d.AcknowledgedAt != nil || d.erased }

// feedState is a subscription's delivery state folded from its state and
// acknowledgement streams and, for a deliverer, its feed. A deliverer's
// (prune) reads each stream on from where it stopped and forgets items
// once done, so a long feed costs it only what is new.
type feedState struct {
	sub    string
	prune  bool
	track  map[int64]*Delivery
	queue  []int64 // the deliverer's: cursors to deliver, ascending
	feedV  int64   // feed read up to here
	stateV int64
	ackV   int64
	begun  bool
	// Acknowledgements: upTo is the highest up_to; marks when each higher
	// up_to came and byID when items were acknowledged by id (kept unless
	// pruning).
	upTo  int64
	marks []ackMark
	byID  map[int64]time.Time
}

type ackMark struct {
	upTo int64
	at   time.Time
}

func newFeedState(subID string, prune bool) *feedState {
	return &feedState{sub: subID, prune: prune, track: map[int64]*Delivery{}, byID: map[int64]time.Time{}}
}

// get returns an item's state, making it unless the deliverer has already
// read and forgotten it.
func (f *feedState) get(c int64) *Delivery {
	if dl := f.track[c]; dl != nil {
		return dl
	}
	if f.prune && c <= f.feedV {
		return nil
	}
	dl := &Delivery{Cursor: c}
	f.track[c] = dl
	return dl
}

// ackedAt returns when an item was first acknowledged, or nil.
func (f *feedState) ackedAt(c int64) *time.Time {
	var at *time.Time
	if t, ok := f.byID[c]; ok {
		at = &t
	}
	for _, m := range f.marks {
		if m.upTo >= c {
			if at == nil || m.at.Before(*at) {
				t := m.at
				at = &t
			}
			break
		}
	}
	return at
}

// ackedBelow is the highest cursor up to which every item is acknowledged.
func (f *feedState) ackedBelow() int64 {
	c := f.upTo
	for _, ok := f.byID[c+1]; ok; _, ok = f.byID[c+1] {
		c++
	}
	return c
}

// refresh reads what is new: acknowledgements, then delivery state, then
// (with items) the feed, in that order so that every cursor the first two
// name is in the feed by the time it is read.
func (f *feedState) refresh(ctx context.Context, s *Service, items bool) error {
	acks, err := s.readFrom(ctx, feedAckStream(f.sub), f.ackV+1)
	if err != nil {
		return err
	}
	for _, e := range acks {
		var a feedAck
		if err := json.Unmarshal(e.Data, &a); err != nil {
			return err
		}
		f.applyAck(a, e.RecordedAt)
		f.ackV = e.Version
	}
	states, err := s.readFrom(ctx, feedStateStream(f.sub), f.stateV+1)
	if err != nil {
		return err
	}
	for _, e := range states {
		if err := f.applyState(e); err != nil {
			return err
		}
		f.stateV = e.Version
	}
	if !items {
		return nil
	}
	if !f.begun {
		// Items are delivered in order, so those below the first one not
		// yet done need not be read again after a restart.
		for dl := f.track[f.feedV+1]; f.feedV < f.upTo || dl != nil && (dl.done() || dl.DeadLetteredAt != nil); dl = f.track[f.feedV+1] {
			f.feedV++
		}
		f.begun = true
	}
	feed, err := s.readFrom(ctx, feedStream(f.sub), f.feedV+1)
	if err != nil {
		return err
	}
	for _, e := range feed {
		f.feedV = e.Version
		dl := f.track[e.Version]
		if dl == nil {
			if e.Version <= f.upTo {
				continue
			}
			dl = &Delivery{Cursor: e.Version}
			f.track[e.Version] = dl
		}
		it, err := feedItemOf(e)
		if err != nil {
			return err
		}
		dl.ItemID, dl.erased = it.ID, it.Erased
		if dl.since.IsZero() {
			dl.since = it.CreatedAt // the service's clock, which attempts are timed by
		}
		if !dl.done() && dl.DeadLetteredAt == nil {
			f.enqueue(e.Version)
		}
	}
	for c, dl := range f.track {
		if dl.done() {
			delete(f.track, c)
		}
	}
	return nil
}

func (f *feedState) enqueue(c int64) {
	if i, found := slices.BinarySearch(f.queue, c); !found {
		f.queue = slices.Insert(f.queue, i, c)
	}
}

func (f *feedState) applyAck(a feedAck, at time.Time) {
	if a.UpTo > f.upTo {
		f.upTo = a.UpTo
		if !f.prune {
			f.marks = append(f.marks, ackMark{a.UpTo, at})
		}
	}
	for _, c := range a.Cursors {
		if _, ok := f.byID[c]; !ok && !f.prune {
			f.byID[c] = at
		}
		if dl := f.get(c); dl != nil && dl.AcknowledgedAt == nil {
			dl.AcknowledgedAt = &at
		}
	}
	for c, dl := range f.track {
		if c <= a.UpTo && dl.AcknowledgedAt == nil {
			dl.AcknowledgedAt = &at
		}
	}
}

func (f *feedState) applyState(e lifeline.Event) error {
	if e.Type == feedRedriven {
		var r redriveRecord
		if err := json.Unmarshal(e.Data, &r); err != nil {
			return err
		}
		for _, c := range r.Cursors {
			dl := f.get(c)
			if dl == nil || dl.DeadLetteredAt == nil {
				continue
			}
			// A fresh start: all its attempts again, its age from now.
			dl.Attempts, dl.NextAttemptAt, dl.DeadLetteredAt, dl.DeadReason, dl.since = 0, nil, nil, "", r.At
			if c <= f.feedV {
				f.enqueue(c)
			}
		}
		return nil
	}
	var r deliveryRecord
	if err := json.Unmarshal(e.Data, &r); err != nil {
		return err
	}
	dl := f.get(r.Cursor)
	if dl == nil {
		return nil
	}
	if r.Attempt > dl.Attempts { // an attempt was made, not only a decision
		at := r.At
		dl.LastAttemptAt = &at
	}
	dl.ItemID, dl.Attempts, dl.since = r.ItemID, r.Attempt, r.Since
	dl.LastStatus, dl.LastError, dl.NextAttemptAt = r.Status, r.Error, r.NextAt
	switch e.Type {
	case feedDelivered:
		at := r.At
		dl.DeliveredAt = &at
	case feedDeadLettered:
		at := r.At
		dl.DeadLetteredAt, dl.DeadReason = &at, r.Reason
	}
	if at := f.ackedAt(r.Cursor); at != nil {
		dl.AcknowledgedAt = at
	}
	return nil
}

// Deliveries returns the delivery state of every item a webhook has been
// tried with, by cursor. It backs GET /v1/admin/feeds/{id}/deliveries.
func (s *Service) Deliveries(ctx context.Context, subID string) ([]Delivery, error) {
	if _, err := s.subscription(ctx, subID); err != nil {
		return nil, err
	}
	f := newFeedState(subID, false)
	if err := f.refresh(ctx, s, false); err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(f.track))
	for _, dl := range f.track {
		if dl.ItemID != "" {
			out = append(out, *dl)
		}
	}
	slices.SortFunc(out, func(a, b Delivery) int { return cmp.Compare(a.Cursor, b.Cursor) })
	return out, nil
}

// DeadLetters returns the items that could not be delivered. It backs
// GET /v1/admin/feeds/{id}/dead-letters.
func (s *Service) DeadLetters(ctx context.Context, subID string) ([]Delivery, error) {
	all, err := s.Deliveries(ctx, subID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(d Delivery) bool { return d.DeadLetteredAt == nil }), nil
}

// Redrive delivers dead-lettered items again, with a fresh set of
// attempts: those named, or every one if none are. It returns how many.
// It backs POST /v1/admin/feeds/{id}/redrive.
func (s *Service) Redrive(ctx context.Context, subID string, itemIDs []string) (int, error) {
	if len(itemIDs) > maxAckIDs {
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "ids", "redrive at most %d items by id at once; give none to redrive every one", maxAckIDs)
	}
	dead, err := s.DeadLetters(ctx, subID)
	if err != nil {
		return 0, err
	}
	r := redriveRecord{At: s.now().UTC()}
	for _, d := range dead {
		if len(itemIDs) == 0 || slices.Contains(itemIDs, d.ItemID) {
			r.Cursors = append(r.Cursors, d.Cursor)
		}
	}
	for _, id := range itemIDs {
		if !slices.ContainsFunc(dead, func(d Delivery) bool { return d.ItemID == id }) {
			return 0, lifeline.FieldErrorf(lifeline.EINVALID, "ids", "item %s is not dead-lettered in feed %s; see GET /v1/admin/feeds/%s/dead-letters", truncate(id, 40), subID, subID)
		}
	}
	if len(r.Cursors) == 0 {
		return 0, nil
	}
	_, err = s.append(ctx, feedStateStream(subID), lifeline.ExpectAny, "", event(ctx, feedRedriven, "", r))
	return len(r.Cursors), err
}

func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
