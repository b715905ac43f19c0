package sharing

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Agreement event types.
const (
	agreementMade    = "agreement-made"
	agreementChanged = "agreement-changed"
	agreementIndex   = "agreements"
	maxDailyLimit    = 10_000_000
	maxPurposes      = 20
)

func agreementStream(id string) string { return "agreement-" + id }

// Fields are what an agreement may let a partner see about a person. A
// response holds only fields that the agreement allows and the request
// asks for.
var Fields = []string{
	"receives_benefit", // true if any benefit the agreement covers is in payment
	"benefits",         // which of those benefits are in payment
	"amounts",          // the amount of each, per period, with the period
	"award_dates",      // when each award started, and ends if it does
	"name",             // given names and family name
	"date_of_birth",    // as registered
	"address",          // the current address
	"date_of_death",    // if the person has died
}

// Events are the kinds of event a partner's feed may carry.
var Events = []string{"death", "address-changed", "award-started", "award-ended"}

// Terms are what an agreement allows: who may ask, why, under which law,
// about which benefits, to see which fields, on what condition, how often
// and when.
type Terms struct {
	PartnerID string `json:"partner_id"`
	Title     string `json:"title"`
	// Purposes are the reasons a request may give, e.g.
	// "council-tax-reduction"; a request names one.
	Purposes []string `json:"purposes"`
	// LegalGateway is the law that permits the sharing, e.g. "Welfare
	// Reform Act 2012 s131; SI 2012/1483 reg 4".
	LegalGateway string   `json:"legal_gateway"`
	Benefits     []string `json:"benefits"`
	Fields       []string `json:"fields"`
	// Condition is a CEL expression over request and person that must be
	// true for anything to be disclosed; empty means always.
	Condition  string     `json:"condition,omitempty"`
	DailyLimit int        `json:"daily_limit"`
	Start      rules.Date `json:"start"`
	End        rules.Date `json:"end"`
	// Events are the event types the partner may subscribe to.
	Events []string `json:"events,omitempty"`
	// Matching lets the partner ask which of its people are claiming, by
	// keyed hashes of their identifiers.
	Matching bool `json:"matching,omitempty"`
}

// Agreement is one version of a data sharing agreement.
type Agreement struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	Terms
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by,omitempty"`
	Reason    string    `json:"reason"`
}

// Ref names this version, as disclosures and the provenance log record it.
func (a *Agreement) Ref() string { return a.ID + "@v" + strconv.FormatInt(a.Version, 10) }

// AgreementChange is a new version of an agreement's terms, with why it
// was made.
type AgreementChange struct {
	Terms
	Reason string `json:"reason"`
	// Version is the version being replaced, so two administrators cannot
	// overwrite each other; 0 when making an agreement.
	Version int64 `json:"version"`
}

var slug = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// check validates terms, compiling the condition.
func (s *Service) checkTerms(ctx context.Context, t Terms) error {
	bad := func(field, format string, args ...any) error {
		return lifeline.FieldErrorf(lifeline.EINVALID, field, format, args...)
	}
	if _, err := s.Partner(ctx, t.PartnerID); err != nil {
		return lifeline.FieldErrorf(lifeline.EINVALID, "partner_id", "no partner %s: register it with POST /v1/admin/partners first", truncate(t.PartnerID, 40))
	}
	switch {
	case strings.TrimSpace(t.Title) == "" || len(t.Title) > 200:
		return bad("title", "give the agreement a title, 1 to 200 characters")
	case len(t.Purposes) == 0 || len(t.Purposes) > maxPurposes:
		return bad("purposes", "list 1 to %d purposes, each like council-tax-reduction", maxPurposes)
	case strings.TrimSpace(t.LegalGateway) == "" || len(t.LegalGateway) > 250:
		return bad("legal_gateway", "name the law that permits the sharing, e.g. the statute and section, up to 250 characters")
	case len(t.Benefits) == 0:
		return bad("benefits", "list the benefits the agreement covers, e.g. universal_credit")
	case len(t.Fields) == 0 && !t.Matching && len(t.Events) == 0:
		return bad("fields", "list the fields a partner may see (%s), or allow matching or events", strings.Join(Fields, ", "))
	case t.DailyLimit < 1 || t.DailyLimit > maxDailyLimit:
		return bad("daily_limit", "daily_limit must be 1 to %d disclosures a day", maxDailyLimit)
	case t.Start == 0 || t.End == 0:
		return bad("start", "give start and end dates, YYYY-MM-DD")
	case t.End < t.Start:
		return bad("end", "the agreement ends (%s) before it starts (%s)", t.End, t.Start)
	}
	for _, p := range t.Purposes {
		if !slug.MatchString(p) {
			return bad("purposes", "purpose %q must be lower case letters, digits and hyphens, like council-tax-reduction", truncate(p, 40))
		}
	}
	for _, b := range t.Benefits {
		if !oneOf(b, rules.BenefitKeys()) {
			return bad("benefits", "benefit %q is not one of %s", truncate(b, 40), strings.Join(rules.BenefitKeys(), ", "))
		}
	}
	for _, f := range t.Fields {
		if !oneOf(f, Fields) {
			return bad("fields", "field %q is not one of %s", truncate(f, 40), strings.Join(Fields, ", "))
		}
	}
	for _, e := range t.Events {
		if !oneOf(e, Events) {
			return bad("events", "event type %q is not one of %s", truncate(e, 40), strings.Join(Events, ", "))
		}
	}
	if _, err := compileCondition(t.Condition); err != nil {
		return err
	}
	return nil
}

// MakeAgreement records a new agreement as version 1.
func (s *Service) MakeAgreement(ctx context.Context, c AgreementChange, key string) (*Agreement, error) {
	if err := s.checkChange(ctx, c); err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	if key != "" {
		key = "agreement:" + key
	}
	res, err := s.append(ctx, agreementIndex, lifeline.ExpectAny, key, event(ctx, "agreement-listed", "", map[string]string{"id": id}))
	if err != nil {
		return nil, err
	}
	if res.Replayed { // the first request's agreement
		events, err := s.log.ReadStream(ctx, agreementIndex, lifeline.StreamQuery{FromVersion: res.FirstVersion, Limit: 1})
		if err != nil {
			return nil, err
		}
		var d map[string]string
		if len(events) == 1 {
			json.Unmarshal(events[0].Data, &d)
		}
		id = d["id"]
	}
	_, err = s.append(ctx, agreementStream(id), lifeline.ExpectNoStream, "", event(ctx, agreementMade, "", c))
	if err != nil && lifeline.ErrorCode(err) != lifeline.ECONFLICT {
		return nil, err
	}
	return s.Agreement(ctx, id, 0)
}

func (s *Service) checkChange(ctx context.Context, c AgreementChange) error {
	if strings.TrimSpace(c.Reason) == "" || len(c.Reason) > 500 {
		return lifeline.FieldErrorf(lifeline.EINVALID, "reason", "say why the agreement is made or changed, 1 to 500 characters")
	}
	return s.checkTerms(ctx, c.Terms)
}

// ChangeAgreement records a new version of an agreement. The partner
// cannot change: an agreement with another partner is another agreement.
func (s *Service) ChangeAgreement(ctx context.Context, id string, c AgreementChange) (*Agreement, error) {
	cur, err := s.Agreement(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if c.PartnerID != cur.PartnerID {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "partner_id", "an agreement's partner cannot change; make a new agreement for partner %s", truncate(c.PartnerID, 40))
	}
	if c.Version != cur.Version {
		return nil, lifeline.FieldErrorf(lifeline.ECONFLICT, "version", "the agreement is at version %d, not %d: read it again and reapply the change", cur.Version, c.Version)
	}
	if err := s.checkChange(ctx, c); err != nil {
		return nil, err
	}
	if _, err := s.append(ctx, agreementStream(id), lifeline.Expected(cur.Version), "", event(ctx, agreementChanged, "", c)); err != nil {
		return nil, err
	}
	return s.Agreement(ctx, id, 0)
}

// Agreement returns version v of an agreement, or the latest if v is 0.
func (s *Service) Agreement(ctx context.Context, id string, v int64) (*Agreement, error) {
	versions, err := s.AgreementVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	if v == 0 {
		keep(s, s.agreements, id, versions[len(versions)-1])
		return versions[len(versions)-1], nil
	}
	if v < 0 || v > int64(len(versions)) {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "version", "agreement %s has versions 1 to %d", id, len(versions))
	}
	return versions[v-1], nil
}

// AgreementVersions returns every version of an agreement, oldest first:
// the log of its changes.
func (s *Service) AgreementVersions(ctx context.Context, id string) ([]*Agreement, error) {
	if _, err := lifeline.ParseID(id); err != nil {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "agreement", "no agreement %s", truncate(id, 40))
	}
	events, err := s.readStream(ctx, agreementStream(id))
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, lifeline.FieldErrorf(lifeline.ENOTFOUND, "agreement", "no agreement %s", id)
	}
	out := make([]*Agreement, 0, len(events))
	for _, e := range events {
		var c AgreementChange
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return nil, err
		}
		out = append(out, &Agreement{ID: id, Version: e.Version, Terms: c.Terms, ChangedAt: e.RecordedAt,
			ChangedBy: e.Metadata.Actor, Reason: c.Reason})
	}
	return out, nil
}

// Agreements lists the latest version of every agreement, optionally only
// a partner's.
func (s *Service) Agreements(ctx context.Context, partnerID string) ([]*Agreement, error) {
	events, err := s.readStream(ctx, agreementIndex)
	if err != nil {
		return nil, err
	}
	out := []*Agreement{}
	seen := map[string]bool{}
	for _, e := range events {
		var d map[string]string
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, err
		}
		if seen[d["id"]] {
			continue
		}
		seen[d["id"]] = true
		a, err := s.Agreement(ctx, d["id"], 0)
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if partnerID == "" || a.PartnerID == partnerID {
			out = append(out, a)
		}
	}
	return out, nil
}

// authorise finds the agreement a partner's request names and checks that
// it is the partner's, in force today, and covers the purpose. Each refusal
// says what was wrong.
func (s *Service) authorise(ctx context.Context, p *Partner, agreementID, purpose string) (*Agreement, error) {
	if agreementID == "" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "agreement", "name the agreement the request is made under")
	}
	a, ok := fresh(s, s.agreements, agreementID)
	var err error
	if !ok {
		a, err = s.Agreement(ctx, agreementID, 0)
	}
	if lifeline.ErrorCode(err) == lifeline.ENOTFOUND || (err == nil && a.PartnerID != p.ID) {
		// The same answer for another partner's agreement: its existence is
		// not the caller's business.
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "agreement", "you have no agreement %s", truncate(agreementID, 40))
	}
	if err != nil {
		return nil, err
	}
	today := s.today()
	switch {
	case today < a.Start:
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "agreement", "agreement %s starts on %s", a.ID, a.Start)
	case today > a.End:
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "agreement", "agreement %s ended on %s", a.ID, a.End)
	case purpose == "":
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "purpose", "name the purpose of the request, one of %s", strings.Join(a.Purposes, ", "))
	case !slices.Contains(a.Purposes, purpose):
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "purpose", "agreement %s does not cover the purpose %q; it covers %s", a.ID, truncate(purpose, 60), strings.Join(a.Purposes, ", "))
	}
	return a, nil
}
