package sharing

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/claims"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/rules"
)

// Event feeds ("share events") tell a partner, under an agreement, of
// deaths, changes of address and awards starting or ending, so a person
// tells the department once and the councils and departments that need to
// know are told for them.
//
// A partner subscribes to some of the event types its agreement allows and
// either gives a webhook URL or pulls. The feed builder (HandleFeedBatch,
// run by a subscription.Runner named FeedSubscriptionName) reads the log
// and, for each event a live subscription wants, puts an item in the
// subscription's feed carrying only the fields the agreement allows, and
// records the disclosure against the person. A Deliverer posts each item,
// signed, to the webhook; a partner that pulls reads the feed with a
// cursor. Either way the partner acknowledges what it has taken.
//
// Streams, every one folded on read:
//
//	feed-subs              feed-sub-listed {id}: every subscription, for the builder and deliverer
//	feed-sub-<id>          feed-subscribed, then feed-unsubscribed if cancelled
//	feed-<id>              feed-item, one per item, sealed with the person's key;
//	                       an item's version in the stream is its cursor
//	feed-state-<id>        delivery state, by cursor: feed-delivery-failed,
//	                       feed-delivered, feed-dead-lettered, feed-redriven
//	feed-acks-<id>         feed-acknowledged: the partner's acknowledgements
//	feed-told-<event id>   feed-told, one per item made from the event or
//	                       from an award change it caused; sealed like the item
//
// The delivery state lives in the log, so a restart carries on where the
// last instance stopped.

// FeedSubscriptionName is the durable consumer that builds feeds.
const FeedSubscriptionName = "sharing.feeds"

// Feed event types and stream names.
const (
	feedSubscribed    = "feed-subscribed"
	feedUnsubscribed  = "feed-unsubscribed"
	feedItemAdded     = "feed-item"
	feedTold          = "feed-told"
	feedSubIndex      = "feed-subs"
	maxFeedSubs       = 20   // live subscriptions per partner
	maxWebhookURL     = 2000 // bytes
	defaultFeedLimit  = 100
	maxFeedLimit      = 1000
	maxAckIDs         = 1000
	feedActor         = "system:feeds"
	awardDecidedEvent = "award-decided" // claims' award event types, as stored in award-<id>
	awardRevisedEvent = "award-revised"
)

func feedSubStream(id string) string   { return "feed-sub-" + id }
func feedStream(id string) string      { return "feed-" + id }
func feedStateStream(id string) string { return "feed-state-" + id }
func feedAckStream(id string) string   { return "feed-acks-" + id }
func toldStream(eventID string) string { return "feed-told-" + eventID }

// feedFields are the fields that say something about each event type; an
// item carries those of them the agreement allows, and nothing else. The
// day of the event is not carried on its own: it is personal data too, and
// reaches the partner only as date_of_death or award_dates.
var feedFields = map[string][]string{
	"death":           {"name", "date_of_birth", "date_of_death"},
	"address-changed": {"name", "date_of_birth", "address"},
	"award-started":   {"name", "date_of_birth", "benefits", "award_dates", "amounts"},
	"award-ended":     {"name", "date_of_birth", "benefits", "award_dates"},
}

// NewFeedSubscription is a partner's request to subscribe to events.
type NewFeedSubscription struct {
	Agreement string   `json:"agreement"`
	Purpose   string   `json:"purpose"`
	Events    []string `json:"events"`
	// WebhookURL is where items are posted; empty to pull them only.
	WebhookURL string `json:"webhook_url,omitempty"`
}

// FeedSubscription is a partner's subscription to events under an
// agreement.
type FeedSubscription struct {
	ID          string     `json:"id"`
	PartnerID   string     `json:"partner_id"`
	AgreementID string     `json:"agreement_id"`
	Purpose     string     `json:"purpose"`
	Events      []string   `json:"events"`
	WebhookURL  string     `json:"webhook_url,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	Version     int64      `json:"version"`
	// position is where the subscription was listed in the log: only
	// events after it are fed, so subscribing does not disclose the past.
	position int64
}

func (f *FeedSubscription) live() bool { return f.CancelledAt == nil }

// feedSub is the data of feed-subscribed.
type feedSub struct {
	PartnerID   string   `json:"partner_id"`
	AgreementID string   `json:"agreement_id"`
	Purpose     string   `json:"purpose"`
	Events      []string `json:"events"`
	WebhookURL  string   `json:"webhook_url,omitempty"`
}

// FeedItem is one event told to a partner, as pulled and as posted to its
// webhook (the body of the POST is this object as JSON).
//
// ID is stable: a partner told the same item twice (delivery is at least
// once) can tell by it. It is also the id of the disclosure in the person's
// disclosure history. Data holds only fields named in sharing.Fields that
// the agreement allows.
//
// The person is identified by PersonRef, the keyed hash of their National
// Insurance number under the agreement's matching key (MatchHash with
// MatchKey): a partner that already knows the person can recognise them,
// and the reference tells anyone else nothing. The number itself is sent
// only when the agreement allows "name", because then the partner is told
// who the person is anyway and the number makes its match certain.
type FeedItem struct {
	ID             string              `json:"id"`
	Cursor         int64               `json:"cursor,omitempty"`
	SubscriptionID string              `json:"subscription_id"`
	Agreement      string              `json:"agreement"` // id@vN: the version that governed it
	Type           string              `json:"type"`
	SourceEventID  string              `json:"source_event_id"` // the life event or award event it reports
	PersonRef      string              `json:"person_ref,omitempty"`
	NINO           string              `json:"nino,omitempty"`
	Data           map[string]any      `json:"data,omitempty"`
	Receipt        *provenance.Receipt `json:"receipt,omitempty"`
	CreatedAt      time.Time           `json:"created_at,omitzero"`
	// Erased says the person's data has been erased: the item is gone and
	// only its cursor remains.
	Erased bool `json:"erased,omitempty"`
}

// FeedPage is a page of a feed.
type FeedPage struct {
	Items []FeedItem `json:"items"`
	// Next is the cursor to ask after for the next page; the same as the
	// cursor asked after when there is nothing new.
	Next int64 `json:"next"`
}

// toldRecord is the data of feed-told: which partner was told of an event.
type toldRecord struct {
	SubscriptionID string    `json:"subscription_id"`
	PartnerID      string    `json:"partner_id"`
	Agreement      string    `json:"agreement"`
	ItemID         string    `json:"item_id"`
	Cursor         int64     `json:"cursor"`
	Type           string    `json:"type"`
	SourceEventID  string    `json:"source_event_id"`
	At             time.Time `json:"at"`
}

// Notification is one partner told of a life event ("tell us once").
type Notification struct {
	PartnerID      string `json:"partner_id"`
	PartnerName    string `json:"partner_name"`
	SubscriptionID string `json:"subscription_id"`
	Agreement      string `json:"agreement"`
	ItemID         string `json:"item_id"`
	Type           string `json:"type"`
	// SourceEventID is the life event itself, or the award change it caused
	// (an award ended by a death).
	SourceEventID string    `json:"source_event_id"`
	ToldAt        time.Time `json:"told_at"` // when the item was put in the partner's feed
	// DeliveredAt is when the webhook took the item (a 2xx answer), or when
	// the partner acknowledged it if that came first.
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
}

// CreateSubscription subscribes a partner to events under one of its
// agreements. It backs POST /v1/partner/feeds. A retry with the same key
// returns the same subscription.
func (s *Service) CreateSubscription(ctx context.Context, p *Partner, req NewFeedSubscription, key string) (*FeedSubscription, error) {
	a, err := s.authorise(ctx, p, req.Agreement, req.Purpose)
	if err != nil {
		return nil, err
	}
	events, err := checkFeedEvents(a, req.Events)
	if err != nil {
		return nil, err
	}
	if err := checkWebhookURL(req.WebhookURL); err != nil {
		return nil, err
	}
	data := feedSub{PartnerID: p.ID, AgreementID: a.ID, Purpose: req.Purpose, Events: events, WebhookURL: req.WebhookURL}
	var id string
	if key != "" {
		// Derived from the key, so a retry finds the first request's
		// subscription rather than making a second.
		id = lifeline.DeriveID("feed-subscription", p.ID, key)
		if sub, err := s.subscription(ctx, id); err == nil {
			if sub.AgreementID != data.AgreementID || sub.Purpose != data.Purpose || !slices.Equal(sub.Events, data.Events) || sub.WebhookURL != data.WebhookURL {
				return nil, lifeline.ReusedKeyError(key)
			}
			return sub, s.listSubscription(ctx, id)
		} else if lifeline.ErrorCode(err) != lifeline.ENOTFOUND {
			return nil, err
		}
	} else if id, err = s.newID(); err != nil {
		return nil, err
	}
	mine, err := s.Subscriptions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	live := 0
	for _, sub := range mine {
		if sub.live() {
			live++
		}
	}
	if live >= maxFeedSubs {
		return nil, lifeline.Errorf(lifeline.ELIMIT, "you have %d live feed subscriptions, the most allowed; cancel one with DELETE /v1/partner/feeds/{id} first", live)
	}
	_, err = s.append(ctx, feedSubStream(id), lifeline.ExpectNoStream, "", event(ctx, feedSubscribed, "", data))
	if err != nil && !(key != "" && lifeline.ErrorCode(err) == lifeline.ECONFLICT) { // a concurrent retry made it
		return nil, err
	}
	if err := s.listSubscription(ctx, id); err != nil {
		return nil, err
	}
	return s.subscription(ctx, id)
}

// listSubscription adds a subscription to the index, once.
func (s *Service) listSubscription(ctx context.Context, id string) error {
	_, err := s.append(ctx, feedSubIndex, lifeline.ExpectAny, "feed-sub:"+id, event(ctx, "feed-sub-listed", "", map[string]string{"id": id}))
	return err
}

// checkFeedEvents checks the event types asked for against the agreement
// and returns them sorted.
func checkFeedEvents(a *Agreement, events []string) ([]string, error) {
	if len(a.Events) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "agreement", "agreement %s allows no event feeds; ask for event types to be added to it", a.ID)
	}
	if len(events) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "events", "list the event types wanted; agreement %s allows %s", a.ID, strings.Join(a.Events, ", "))
	}
	out := slices.Clone(events)
	slices.Sort(out)
	for i, e := range out {
		switch {
		case !oneOf(e, Events):
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "events", "event type %q is not one of %s", truncate(e, 40), strings.Join(Events, ", "))
		case !slices.Contains(a.Events, e):
			return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "events", "event type %q is outside agreement %s, which allows %s", e, a.ID, strings.Join(a.Events, ", "))
		case i > 0 && out[i-1] == e:
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "events", "event type %q is listed twice; list each once", e)
		}
	}
	return out, nil
}

// checkWebhookURL accepts an absolute https URL, or http to a loopback
// address (for a partner testing on the same machine). Personal data must
// not cross a network in clear, nor be sent to a link-local address such
// as a cloud metadata service.
func checkWebhookURL(raw string) error {
	if raw == "" {
		return nil
	}
	bad := func(format string, args ...any) error {
		return lifeline.FieldErrorf(lifeline.EINVALID, "webhook_url", format, args...)
	}
	if len(raw) > maxWebhookURL {
		return bad("the webhook URL is %d bytes; keep it under %d", len(raw), maxWebhookURL)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" || u.Opaque != "" {
		return bad("give the webhook as an absolute URL, like https://partner.example/lifeline/events")
	}
	if u.User != nil {
		return bad("the webhook URL must not carry a user name or password: items are signed, so check the Lifeline-Signature header instead")
	}
	if u.Fragment != "" {
		return bad("the webhook URL must not have a fragment (#...)")
	}
	host := u.Hostname()
	ip, err := netip.ParseAddr(host)
	loopback := host == "localhost" || (err == nil && ip.IsLoopback())
	switch {
	case u.Scheme == "http" && !loopback:
		return bad("the webhook must use https://; plain http is accepted only for a loopback address, for testing")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("the webhook must use https://, not %s:", truncate(u.Scheme, 20))
	case err == nil && !publicEnough(ip):
		return bad("the webhook address %s is link-local, multicast or unspecified; give the partner's own host", host)
	}
	return nil
}

// publicEnough reports whether a webhook may be sent to ip. Private ranges
// are allowed: government networks (PSN, HSCN) use them.
func publicEnough(ip netip.Addr) bool {
	return !(ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified())
}

// subscription folds a subscription's stream.
func (s *Service) subscription(ctx context.Context, id string) (*FeedSubscription, error) {
	none := lifeline.FieldErrorf(lifeline.ENOTFOUND, "subscription", "no feed subscription %s", truncate(id, 40))
	if _, err := lifeline.ParseID(id); err != nil {
		return nil, none
	}
	events, err := s.readStream(ctx, feedSubStream(id))
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, none
	}
	sub := &FeedSubscription{ID: id}
	for _, e := range events {
		switch e.Type {
		case feedSubscribed:
			var d feedSub
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return nil, err
			}
			sub.PartnerID, sub.AgreementID, sub.Purpose, sub.Events, sub.WebhookURL = d.PartnerID, d.AgreementID, d.Purpose, d.Events, d.WebhookURL
			sub.CreatedAt = e.RecordedAt
		case feedUnsubscribed:
			at := e.RecordedAt
			sub.CancelledAt = &at
		}
		sub.Version = e.Version
	}
	return sub, nil
}

// Subscriptions lists feed subscriptions, oldest first: a partner's, or
// with partnerID "" every one. It backs GET /v1/partner/feeds and
// GET /v1/admin/feeds.
func (s *Service) Subscriptions(ctx context.Context, partnerID string) ([]*FeedSubscription, error) {
	events, err := s.readStream(ctx, feedSubIndex)
	if err != nil {
		return nil, err
	}
	out := []*FeedSubscription{}
	for _, e := range events {
		var d map[string]string
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, err
		}
		sub, err := s.subscription(ctx, d["id"])
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			continue // listed, but never made
		}
		if err != nil {
			return nil, err
		}
		sub.position = e.Position
		if partnerID == "" || sub.PartnerID == partnerID {
			out = append(out, sub)
		}
	}
	return out, nil
}

// Subscription returns one of the partner's subscriptions. It backs
// GET /v1/partner/feeds/{id}.
func (s *Service) Subscription(ctx context.Context, p *Partner, id string) (*FeedSubscription, error) {
	sub, err := s.subscription(ctx, id)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND || (err == nil && sub.PartnerID != p.ID) {
		// The same answer for another partner's: its existence is not the
		// caller's business.
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "subscription", "you have no feed subscription %s", truncate(id, 40))
	}
	return sub, err
}

// CancelSubscription stops a subscription: nothing more is put in its feed
// or delivered, and what is there can still be pulled. It backs
// DELETE /v1/partner/feeds/{id}.
func (s *Service) CancelSubscription(ctx context.Context, p *Partner, id string) (*FeedSubscription, error) {
	sub, err := s.Subscription(ctx, p, id)
	if err != nil || !sub.live() {
		return sub, err
	}
	if _, err := s.append(ctx, feedSubStream(id), lifeline.Expected(sub.Version), "", event(ctx, feedUnsubscribed, "", map[string]string{})); err != nil {
		return nil, err
	}
	return s.subscription(ctx, id)
}

// FeedItems returns up to limit items (0 for 100, at most 1000) of the
// partner's feed with a cursor after the given one (0 for the start). It
// backs GET /v1/partner/feeds/{id}/items?after=&limit=.
func (s *Service) FeedItems(ctx context.Context, p *Partner, subID string, after int64, limit int) (*FeedPage, error) {
	if _, err := s.Subscription(ctx, p, subID); err != nil {
		return nil, err
	}
	switch {
	case after < 0:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "after", "after is a cursor from an earlier page, 0 or more")
	case limit == 0:
		limit = defaultFeedLimit
	case limit < 0 || limit > maxFeedLimit:
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "limit", "limit %d is out of range: use 1 to %d", limit, maxFeedLimit)
	}
	events, err := s.log.ReadStream(ctx, feedStream(subID), lifeline.StreamQuery{FromVersion: after + 1, Limit: limit})
	if err != nil {
		return nil, err
	}
	page := &FeedPage{Items: make([]FeedItem, 0, len(events)), Next: after}
	for _, e := range events {
		it, err := feedItemOf(e)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, it)
		page.Next = e.Version
	}
	return page, nil
}

// feedItemOf reads an item from its event.
func feedItemOf(e lifeline.Event) (FeedItem, error) {
	if e.Erased {
		return FeedItem{Cursor: e.Version, Erased: true}, nil
	}
	var it FeedItem
	if err := json.Unmarshal(e.Data, &it); err != nil {
		return it, err
	}
	it.Cursor = e.Version
	return it, nil
}

// HandleFeedBatch builds feeds from a batch of the log: it is the handler
// of the subscription.Runner named FeedSubscriptionName. For each death or
// change of address, and each award started or ended, it puts an item in
// the feed of every live subscription that wants that type and whose
// agreement allows it, is in force today, covers the benefit (for a life
// event: the person has a covered award in payment on the day) and whose
// condition holds. The disclosure is recorded against the person as the
// item is made: from then on the partner can take it at any time.
//
// The person and awards are read as recorded when the event was, so a
// second delivery of the batch decides the same way; items, disclosures
// and the told index are written once however often it runs.
//
// Feeds are not counted against an agreement's daily limit: that bounds a
// partner's queries, whereas a feed's volume is set by events in the world,
// and refusing one would drop a death notice.
func (s *Service) HandleFeedBatch(ctx context.Context, events []lifeline.Event) error {
	var subs []*FeedSubscription
	loaded := false
	b := &feedBatch{s: s, agreements: map[string]*Agreement{}, partners: map[string]*Partner{}}
	ctx = WithActor(ctx, feedActor)
	for _, e := range events {
		types := feedTypes(e)
		if len(types) == 0 {
			continue
		}
		if !loaded {
			all, err := s.Subscriptions(ctx, "")
			if err != nil {
				return err
			}
			for _, sub := range all {
				if sub.live() {
					subs = append(subs, sub)
				}
			}
			loaded = true
		}
		for _, typ := range types {
			var wanted []*FeedSubscription
			for _, sub := range subs {
				if sub.position < e.Position && slices.Contains(sub.Events, typ) {
					wanted = append(wanted, sub)
				}
			}
			if len(wanted) == 0 {
				continue
			}
			if err := b.feed(ctx, e, typ, wanted); err != nil {
				return err
			}
		}
	}
	return nil
}

// feedTypes returns the feed event types an event of the log reports.
func feedTypes(e lifeline.Event) []string {
	if e.Erased {
		return nil
	}
	switch {
	case strings.HasPrefix(e.Stream, "person-") && e.Type == claims.Death:
		return []string{"death"}
	case strings.HasPrefix(e.Stream, "person-") && e.Type == claims.AddressChanged:
		return []string{"address-changed"}
	case strings.HasPrefix(e.Stream, "award-") && (e.Type == awardDecidedEvent || e.Type == awardRevisedEvent):
		var d struct {
			EndsOn rules.Date `json:"ends_on"`
		}
		if json.Unmarshal(e.Data, &d) != nil {
			return nil
		}
		var types []string
		if e.Type == awardDecidedEvent {
			types = append(types, "award-started")
		}
		if d.EndsOn != 0 {
			types = append(types, "award-ended")
		}
		return types
	}
	return nil
}

// feedBatch caches what one batch reads more than once.
type feedBatch struct {
	s          *Service
	agreements map[string]*Agreement
	partners   map[string]*Partner
}

// happening is one person concerned by one event, as recorded then.
type happening struct {
	person *claims.PersonView
	awards []*claims.Award // the person's awards
	award  *claims.Award   // the award an award event is about
	on     rules.Date      // the day it happened
}

// feed makes the items of one event of one type for the subscriptions
// that want it.
func (b *feedBatch) feed(ctx context.Context, e lifeline.Event, typ string, subs []*FeedSubscription) error {
	s := b.s
	done := map[string]bool{} // items already made, by an earlier delivery
	toldEvents, err := s.readStream(ctx, toldStream(e.ID))
	if err != nil {
		return err
	}
	for _, te := range toldEvents {
		var t toldRecord
		if !te.Erased && json.Unmarshal(te.Data, &t) == nil {
			done[t.ItemID] = true
		}
	}
	happenings, err := b.happenings(ctx, e, typ)
	if err != nil {
		return err
	}
	for _, h := range happenings {
		for _, sub := range subs {
			id := lifeline.DeriveID("feed-item", sub.ID, e.ID, h.person.ID, typ)
			if done[id] {
				continue
			}
			if err := b.item(ctx, e, typ, sub, h, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// happenings reads the people an event concerns, as recorded when it was.
// A person whose data has been erased is left out.
func (b *feedBatch) happenings(ctx context.Context, e lifeline.Event, typ string) ([]happening, error) {
	reg := b.s.registry
	var people []string
	var aw *claims.Award
	var on rules.Date
	if strings.HasPrefix(e.Stream, "award-") {
		var err error
		aw, err = reg.Award(ctx, strings.TrimPrefix(e.Stream, "award-"), e.RecordedAt)
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		people, on = aw.Claimants, aw.Start
		if typ == "award-ended" {
			on = aw.EndsOn
		}
	} else {
		t := e.OccurredAt.UTC()
		people, on = []string{strings.TrimPrefix(e.Stream, "person-")}, rules.MakeDate(t.Year(), int(t.Month()), t.Day())
	}
	var out []happening
	for _, id := range people {
		pv, err := reg.Person(ctx, id, e.RecordedAt, on)
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		h := happening{person: pv, award: aw, on: on}
		if aw != nil {
			// A claim's award is linked to the person just after it is
			// decided, so it may not be among their links as then recorded.
			h.awards = append(h.awards, aw)
		}
		for _, l := range pv.Awards {
			if aw != nil && l.ID == aw.ID {
				continue
			}
			a, err := reg.Award(ctx, l.ID, e.RecordedAt)
			if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			h.awards = append(h.awards, a)
		}
		out = append(out, h)
	}
	return out, nil
}

func (b *feedBatch) agreement(ctx context.Context, id string) (*Agreement, error) {
	if a, ok := b.agreements[id]; ok {
		return a, nil
	}
	a, err := b.s.Agreement(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	b.agreements[id] = a
	return a, nil
}

func (b *feedBatch) partner(ctx context.Context, id string) (*Partner, error) {
	if p, ok := b.partners[id]; ok {
		return p, nil
	}
	p, err := b.s.Partner(ctx, id)
	if err != nil {
		return nil, err
	}
	b.partners[id] = p
	return p, nil
}

// item makes one item, if the agreement lets it be made: the disclosure
// first, then the item built from the disclosure as recorded, so a retry
// after a crash between the two writes the same item.
func (b *feedBatch) item(ctx context.Context, e lifeline.Event, typ string, sub *FeedSubscription, h happening, id string) error {
	s := b.s
	a, err := b.agreement(ctx, sub.AgreementID)
	if err != nil {
		return err
	}
	today := s.today()
	if a.PartnerID != sub.PartnerID || !slices.Contains(a.Events, typ) || today < a.Start || today > a.End {
		return nil
	}
	rec := recordOf(h.person, h.awards, a.Benefits, h.on)
	if (h.award != nil && !slices.Contains(a.Benefits, h.award.Benefit)) || (h.award == nil && len(rec.subject.Receives) == 0) {
		return nil // not about a benefit the agreement covers
	}
	var fields []string
	for _, f := range feedFields[typ] {
		if slices.Contains(a.Fields, f) {
			fields = append(fields, f)
		}
	}
	cond, err := s.conditionFor(a)
	if err != nil {
		return err
	}
	if ok, err := cond.holds(Request{Purpose: sub.Purpose, Fields: fields}, rec.subject); err != nil || !ok {
		return nil // the agreement's condition does not hold: nothing is disclosed
	}
	d, err := s.disclosure(ctx, h.person.ID, id)
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
		return nil // erased since
	}
	if err != nil {
		return err
	}
	if d == nil {
		p, err := b.partner(ctx, sub.PartnerID)
		if err != nil {
			return err
		}
		data := map[string]any{}
		for _, f := range fields {
			data[f] = feedValue(f, rec, h.award, today)
		}
		req := struct {
			ID             string `json:"disclosure_id"`
			SubscriptionID string `json:"subscription_id"`
			Type           string `json:"type"`
			SourceEventID  string `json:"source_event_id"`
		}{id, sub.ID, typ, e.ID}
		nd := Disclosure{ID: id, PartnerID: p.ID, PartnerName: p.Name, Agreement: a.Ref(), Purpose: sub.Purpose,
			LegalGateway: a.LegalGateway, Kind: "feed", Fields: nonNil(fields), ConditionMet: true, Data: data, Request: req}
		if _, err := s.disclose(ctx, h.person.ID, &nd, a); err != nil {
			return err
		}
		if d, err = s.disclosure(ctx, h.person.ID, id); err != nil {
			return err
		}
		if d == nil {
			return lifeline.Errorf(lifeline.EINTERNAL, "disclosure %s not found after it was recorded", id)
		}
	}
	it := FeedItem{ID: id, SubscriptionID: sub.ID, Agreement: d.Agreement, Type: typ, SourceEventID: e.ID,
		PersonRef: MatchHash(s.MatchKey(sub.AgreementID), lifeline.NINO(h.person.NINO)), Data: d.Data, Receipt: d.Receipt, CreatedAt: d.At}
	if slices.Contains(d.Fields, "name") {
		it.NINO = h.person.NINO
	}
	res, err := s.append(ctx, feedStream(sub.ID), lifeline.ExpectAny, "feed-item:"+id, event(ctx, feedItemAdded, h.person.ID, it))
	if err != nil {
		return err
	}
	t := toldRecord{SubscriptionID: sub.ID, PartnerID: sub.PartnerID, Agreement: d.Agreement, ItemID: id, Cursor: res.FirstVersion,
		Type: typ, SourceEventID: e.ID, At: d.At}
	if _, err := s.append(ctx, toldStream(e.ID), lifeline.ExpectAny, "feed-told:"+id, event(ctx, feedTold, h.person.ID, t)); err != nil {
		return err
	}
	// An award ended by a death is part of telling once about the death.
	if cause := e.Metadata.CausationID; h.award != nil && cause != "" && cause != e.ID && lifeline.ValidateStreamName(toldStream(cause)) == nil {
		if _, err := s.append(ctx, toldStream(cause), lifeline.ExpectAny, "feed-told:"+id+":cause", event(ctx, feedTold, h.person.ID, t)); err != nil {
			return err
		}
	}
	return nil
}

// feedValue is one field of an item. An award event's benefit fields are
// about that award alone.
func feedValue(f string, rec *record, aw *claims.Award, today rules.Date) any {
	if aw != nil {
		switch f {
		case "benefits":
			return []string{aw.Benefit}
		case "award_dates":
			return []AwardDates{{Benefit: aw.Benefit, Start: aw.Start, End: aw.EndsOn}}
		case "amounts":
			per, ok := periodOn(aw, max(today, aw.Start))
			if !ok {
				return []AmountPaid{}
			}
			return []AmountPaid{{Benefit: aw.Benefit, Amount: per.Amount, Frequency: aw.Frequency, PeriodStart: per.Start, PeriodEnd: per.End}}
		}
	}
	return rec.field(f)
}

// NotificationsFor lists the partners told of a life event, and of award
// changes it caused, with when each item was delivered and acknowledged:
// the "tell us once" view. It backs GET /v1/life-events/{id}/notifications.
func (s *Service) NotificationsFor(ctx context.Context, lifeEventID string) ([]Notification, error) {
	if _, err := lifeline.ParseEventID(lifeEventID); err != nil {
		return nil, err
	}
	events, err := s.readStream(ctx, toldStream(lifeEventID))
	if err != nil {
		return nil, err
	}
	states := map[string]*feedState{}
	names := map[string]string{}
	out := []Notification{}
	for _, e := range events {
		if e.Erased {
			continue
		}
		var t toldRecord
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return nil, err
		}
		st := states[t.SubscriptionID]
		if st == nil {
			st = newFeedState(t.SubscriptionID, false)
			if err := st.refresh(ctx, s, false); err != nil {
				return nil, err
			}
			states[t.SubscriptionID] = st
		}
		if _, ok := names[t.PartnerID]; !ok {
			p, err := s.Partner(ctx, t.PartnerID)
			if err != nil {
				return nil, err
			}
			names[t.PartnerID] = p.Name
		}
		n := Notification{PartnerID: t.PartnerID, PartnerName: names[t.PartnerID], SubscriptionID: t.SubscriptionID, Agreement: t.Agreement,
			ItemID: t.ItemID, Type: t.Type, SourceEventID: t.SourceEventID, ToldAt: t.At}
		if dl := st.track[t.Cursor]; dl != nil {
			n.DeliveredAt, n.AcknowledgedAt = dl.DeliveredAt, dl.AcknowledgedAt
		}
		if ack := st.ackedAt(t.Cursor); ack != nil {
			n.AcknowledgedAt = ack
			if n.DeliveredAt == nil {
				n.DeliveredAt = ack
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// Ack acknowledges items of a feed: every item up to and including a
// cursor, or items by id, or both.
type Ack struct {
	UpTo int64    `json:"up_to,omitempty"`
	IDs  []string `json:"ids,omitempty"`
}

type feedAck struct {
	UpTo    int64   `json:"up_to,omitempty"`
	Cursors []int64 `json:"cursors,omitempty"`
}

// Acknowledge records that the partner has taken items of its feed, and
// returns how many were not acknowledged before. It backs
// POST /v1/partner/feeds/{id}/ack.
func (s *Service) Acknowledge(ctx context.Context, p *Partner, subID string, ack Ack) (int, error) {
	if _, err := s.Subscription(ctx, p, subID); err != nil {
		return 0, err
	}
	switch {
	case ack.UpTo < 0:
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "up_to", "up_to is the cursor of an item, 1 or more")
	case ack.UpTo == 0 && len(ack.IDs) == 0:
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "up_to", "give up_to, the cursor of the last item taken, or ids, the items taken")
	case len(ack.IDs) > maxAckIDs:
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "ids", "acknowledge at most %d items by id at once; use up_to for more", maxAckIDs)
	}
	if ack.UpTo > 0 {
		last, err := s.log.ReadStream(ctx, feedStream(subID), lifeline.StreamQuery{FromVersion: ack.UpTo, Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(last) == 0 {
			return 0, lifeline.FieldErrorf(lifeline.EINVALID, "up_to", "there is no item with cursor %d in the feed yet", ack.UpTo)
		}
	}
	st := newFeedState(subID, false)
	if err := st.refresh(ctx, s, false); err != nil {
		return 0, err
	}
	rec := feedAck{UpTo: ack.UpTo}
	if len(ack.IDs) > 0 {
		cursors, err := s.cursorsOf(ctx, subID, st.ackedBelow(), ack.IDs)
		if err != nil {
			return 0, err
		}
		rec.Cursors = cursors
	}
	fresh := 0
	for c := st.upTo + 1; c <= ack.UpTo; c++ {
		if _, ok := st.byID[c]; !ok {
			fresh++
		}
	}
	for _, c := range rec.Cursors {
		if c > ack.UpTo && st.ackedAt(c) == nil {
			fresh++
		}
	}
	if fresh == 0 {
		return 0, nil
	}
	_, err := s.append(ctx, feedAckStream(subID), lifeline.ExpectAny, "", event(ctx, feedAcknowledged, "", rec))
	return fresh, err
}

// cursorsOf finds the cursors of items by id. The items not yet
// acknowledged (after below) are read first; the rest only if an id is not
// among them, since acknowledging an item twice is no error.
func (s *Service) cursorsOf(ctx context.Context, subID string, below int64, ids []string) ([]int64, error) {
	want := map[string]int64{}
	for _, id := range ids {
		want[id] = 0
	}
	missing, err := s.scanFeed(ctx, subID, below+1, 0, want)
	if err != nil {
		return nil, err
	}
	if missing > 0 && below > 0 {
		if _, err := s.scanFeed(ctx, subID, 1, below, want); err != nil {
			return nil, err
		}
	}
	var out []int64
	for _, id := range ids {
		if want[id] == 0 {
			return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "ids", "there is no item %s in this feed", truncate(id, 40))
		}
		out = append(out, want[id])
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scanFeed reads the feed from cursor from to to (0 for its end), noting
// the cursor of each item in want, and returns how many are still missing.
func (s *Service) scanFeed(ctx context.Context, subID string, from, to int64, want map[string]int64) (int, error) {
	missing := 0
	for _, c := range want {
		if c == 0 {
			missing++
		}
	}
	for missing > 0 && (to == 0 || from <= to) {
		page, err := s.log.ReadStream(ctx, feedStream(subID), lifeline.StreamQuery{FromVersion: from, Limit: lifeline.MaxReadLimit})
		if err != nil {
			return 0, err
		}
		for _, e := range page {
			if to != 0 && e.Version > to {
				break
			}
			it, err := feedItemOf(e)
			if err != nil {
				return 0, err
			}
			if c, ok := want[it.ID]; ok && c == 0 && !it.Erased {
				want[it.ID] = e.Version
				missing--
			}
		}
		if len(page) < lifeline.MaxReadLimit {
			break
		}
		from = page[len(page)-1].Version + 1
	}
	return missing, nil
}
