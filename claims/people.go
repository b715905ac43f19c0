package claims

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Registration is the request to register a person.
type Registration struct {
	NINO               string          `json:"nino"`
	GivenNames         string          `json:"given_names"`
	FamilyName         string          `json:"family_name"`
	DateOfBirth        string          `json:"date_of_birth"`
	Address            Address         `json:"address"`
	Contact            Contact         `json:"contact"`
	BankAccount        *BankAccount    `json:"bank_account"`
	IdentityConfidence string          `json:"identity_confidence"`
	Representative     *Representative `json:"representative"`
}

func (s *Service) checkRegistration(r Registration) (Details, error) {
	var d Details
	nino, err := lifeline.ParseNINO(r.NINO, s.allowSpecimen)
	if err != nil {
		return d, err
	}
	d.NINO = string(nino)
	for _, n := range []struct{ field, v string }{{"given_names", r.GivenNames}, {"family_name", r.FamilyName}} {
		if v := strings.TrimSpace(n.v); v == "" || len(v) > 100 {
			return d, lifeline.FieldErrorf(lifeline.EINVALID, n.field, "%s must be 1 to 100 characters", n.field)
		}
	}
	d.GivenNames, d.FamilyName = strings.TrimSpace(r.GivenNames), strings.TrimSpace(r.FamilyName)
	dob, err := rules.ParseDate(r.DateOfBirth)
	if err != nil {
		return d, lifeline.FieldErrorf(lifeline.EINVALID, "date_of_birth", "date_of_birth %v: use YYYY-MM-DD", err)
	}
	if today := s.today(); dob > today || dob.AgeOn(today) > 130 {
		return d, lifeline.FieldErrorf(lifeline.EINVALID, "date_of_birth", "date_of_birth %s is not a possible date of birth for a living person", dob)
	}
	d.DateOfBirth = dob
	d.Address = r.Address
	d.Address.Lines = slices.Clone(r.Address.Lines)
	if err := d.Address.check("address"); err != nil {
		return d, err
	}
	if err := checkContact(r.Contact); err != nil {
		return d, err
	}
	d.Contact = r.Contact
	if r.BankAccount != nil {
		b := *r.BankAccount
		if err := b.check("bank_account"); err != nil {
			return d, err
		}
		d.BankAccount = &b
	}
	d.IdentityConfidence = r.IdentityConfidence
	if d.IdentityConfidence == "" {
		d.IdentityConfidence = "none"
	}
	if err := oneOf("identity_confidence", d.IdentityConfidence, confidences); err != nil {
		return d, err
	}
	if r.Representative != nil {
		rep := *r.Representative
		if rep.Name = strings.TrimSpace(rep.Name); rep.Name == "" || len(rep.Name) > 100 {
			return d, lifeline.FieldErrorf(lifeline.EINVALID, "representative.name", "the representative's name must be 1 to 100 characters")
		}
		if err := oneOf("representative.role", rep.Role, representativeRoles); err != nil {
			return d, err
		}
		if rep.Phone != "" {
			if err := checkPhone("representative.phone", rep.Phone); err != nil {
				return d, err
			}
		}
		d.Representative = &rep
	}
	return d, nil
}

func checkContact(c Contact) error {
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > 254 {
			return lifeline.FieldErrorf(lifeline.EINVALID, "contact.email", "%q is not an email address like name@example.com", truncate(c.Email, 60))
		}
	}
	if c.Phone != "" {
		return checkPhone("contact.phone", c.Phone)
	}
	return nil
}

// checkPhone accepts a UK number written with digits, spaces and an
// optional leading +44.
func checkPhone(field, p string) error {
	digits := 0
	for i, c := range p {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || (c == '+' && i == 0):
		default:
			return lifeline.FieldErrorf(lifeline.EINVALID, field, "a phone number has only digits and spaces, like 07700 900123 or +44 7700 900123")
		}
	}
	if digits < 10 || digits > 13 {
		return lifeline.FieldErrorf(lifeline.EINVALID, field, "a UK phone number has 10 or 11 digits (12 with +44)")
	}
	return nil
}

// RegisterPerson registers a person. Each National Insurance number is
// registered once: a second registration is a conflict naming the first. A
// retry with the same key returns the same person.
func (s *Service) RegisterPerson(ctx context.Context, r Registration, key string) (*PersonView, error) {
	d, err := s.checkRegistration(r)
	if err != nil {
		return nil, err
	}
	id, err := s.idFor("person", key)
	if err != nil {
		return nil, err
	}
	if key != "" {
		key = "register:" + key
	}
	// The reservation of the number comes first and names the person, so
	// that two registrations racing for one number cannot both win. A retry
	// with the same key makes the same reservation, which is a replay.
	nstream := s.ninoStream(lifeline.NINO(d.NINO))
	_, err = s.appendOne(ctx, nstream, lifeline.ExpectNoStream, key, lifeline.NewEvent{
		Type: "nino-reserved", Data: mustJSON(map[string]string{"person_id": id}), Metadata: metadata(ctx, ""),
	})
	if isConflict(err) {
		events, rerr := s.log.ReadStream(ctx, nstream, lifeline.StreamQuery{Limit: 1})
		if rerr != nil {
			return nil, rerr
		}
		var res struct {
			PersonID string `json:"person_id"`
		}
		if len(events) == 1 {
			json.Unmarshal(events[0].Data, &res)
		}
		_, rerr = s.timeline(ctx, res.PersonID, time.Time{})
		switch {
		case rerr == nil:
			return nil, lifeline.FieldErrorf(lifeline.ECONFLICT, "nino", "a person with National Insurance number %s is already registered, with id %s", d.NINO, res.PersonID)
		case lifeline.ErrorCode(rerr) != lifeline.ENOTFOUND:
			return nil, rerr
		}
		// The number was reserved but the registration never written (a
		// crash between the two): finish it under the reserved id.
		id, err = res.PersonID, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = s.appendOne(ctx, personStream(id), lifeline.ExpectNoStream, "", lifeline.NewEvent{
		Type: personRegistered, Subject: id, Data: mustJSON(d), Metadata: metadata(ctx, ""),
	})
	if err != nil && !isConflict(err) {
		return nil, err
	}
	return s.Person(ctx, id, time.Time{}, 0)
}

// PersonView is a person as the API shows them: their details and
// circumstances on one day, as known at one time, and their history.
type PersonView struct {
	ID string `json:"id"`
	State
	On       rules.Date     `json:"on"`
	AsAt     *time.Time     `json:"as_at,omitempty"`
	History  []HistoryEntry `json:"history"`
	Earnings []Earning      `json:"earnings"`
	Claims   []Link         `json:"claims"`
	Awards   []Link         `json:"awards"`
}

// Person returns a person's state on day on (today if zero) as recorded at
// asAt (now if zero): "what did we believe at asAt about day on".
func (s *Service) Person(ctx context.Context, id string, asAt time.Time, on rules.Date) (*PersonView, error) {
	if err := checkID("id", id); err != nil {
		return nil, err
	}
	t, err := s.timeline(ctx, id, asAt)
	if err != nil {
		return nil, err
	}
	if on == 0 {
		on = s.today()
	}
	v := &PersonView{ID: id, State: t.On(on), On: on, History: t.History(), Earnings: t.Earnings(), Claims: t.Claims, Awards: t.Awards}
	if !asAt.IsZero() {
		v.AsAt = &asAt
	}
	if v.BankAccount != nil { // shown masked: enough to confirm, not to reuse
		b := *v.BankAccount
		if n := len(b.AccountNumber); n > 4 {
			b.AccountNumber = strings.Repeat("*", n-4) + b.AccountNumber[n-4:]
		}
		v.BankAccount = &b
	}
	if v.Claims == nil {
		v.Claims = []Link{}
	}
	if v.Awards == nil {
		v.Awards = []Link{}
	}
	if v.Earnings == nil {
		v.Earnings = []Earning{}
	}
	return v, nil
}

// LifeEventReport is a report of a change in someone's life.
type LifeEventReport struct {
	Type       string          `json:"type"`
	PersonID   string          `json:"person_id"`
	OccurredOn string          `json:"occurred_on"`
	Data       json.RawMessage `json:"data"`
}

// LifeEventView is a life event and what it did.
type LifeEventView struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	PersonID   string          `json:"person_id"`
	OccurredOn rules.Date      `json:"occurred_on"`
	RecordedAt time.Time       `json:"recorded_at"`
	Data       json.RawMessage `json:"data"`
	Status     string          `json:"status"` // processing, then processed
	Outcomes   []Outcome       `json:"outcomes"`
	Note       string          `json:"note,omitempty"`
}

// checkedReport is a report that has passed every check, ready to append.
type checkedReport struct {
	typ      string
	personID string
	on       rules.Date
	data     lifeEventData
}

// checkReport validates a report against the person's history as recorded.
func (s *Service) checkReport(ctx context.Context, r LifeEventReport) (checkedReport, *Timeline, error) {
	c := checkedReport{typ: r.Type, personID: r.PersonID}
	if !isLifeEvent(r.Type) {
		_, err := decodeLifeEventData(r.Type, nil, 0)
		return c, nil, err
	}
	if err := checkID("person_id", r.PersonID); err != nil {
		return c, nil, err
	}
	on, err := rules.ParseDate(r.OccurredOn)
	if err != nil {
		return c, nil, lifeline.FieldErrorf(lifeline.EINVALID, "occurred_on", "occurred_on %v: use YYYY-MM-DD", err)
	}
	if today := s.today(); on > today {
		return c, nil, lifeline.FieldErrorf(lifeline.EINVALID, "occurred_on", "occurred_on %s is in the future (today is %s): report a change once it has happened", on, today)
	}
	c.on = on
	if c.data, err = decodeLifeEventData(r.Type, r.Data, on); err != nil {
		return c, nil, err
	}
	t, err := s.timeline(ctx, r.PersonID, time.Time{})
	if err != nil {
		return c, nil, err
	}
	return c, t, s.checkAgainstHistory(ctx, c, t)
}

// checkAgainstHistory refuses reports that contradict what is recorded.
func (s *Service) checkAgainstHistory(ctx context.Context, c checkedReport, t *Timeline) error {
	conflict := func(format string, args ...any) error {
		return lifeline.FieldErrorf(lifeline.ECONFLICT, "type", format, args...)
	}
	st := t.On(c.on)
	if c.on < st.DateOfBirth {
		return lifeline.FieldErrorf(lifeline.EINVALID, "occurred_on", "occurred_on %s is before the person's date of birth (%s)", c.on, st.DateOfBirth)
	}
	if died := t.DiedOn(); died != 0 && (c.typ == Death || c.on > died) {
		return conflict("the person's death on %s is recorded; nothing can be reported about them after it", died)
	}
	switch c.typ {
	case PartnerMovedIn:
		if c.data.PartnerID == c.personID {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.partner_id", "a person cannot be their own partner")
		}
		if st.PartnerID != "" {
			return conflict("the person already lives with a partner (%s) on %s: report that partner moving out first", st.PartnerID, c.on)
		}
		p, err := s.timeline(ctx, c.data.PartnerID, time.Time{})
		if err != nil {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.partner_id", "%s", lifeline.ErrorMessage(err))
		}
		ps := p.On(c.on)
		if ps.DiedOn != 0 {
			return conflict("the partner died on %s", ps.DiedOn)
		}
		if ps.PartnerID != "" {
			return conflict("the partner already lives with someone else on %s", c.on)
		}
	case PartnerMovedOut:
		if st.PartnerID == "" {
			return conflict("no partner lives with the person on %s", c.on)
		}
	case ChildLeft:
		if !slices.ContainsFunc(st.Children, func(ch Child) bool { return ch.ID == c.data.ChildID }) {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.child_id", "no child %s is in the person's household on %s", c.data.ChildID, c.on)
		}
	case NonDependantMovedOut:
		if !slices.ContainsFunc(st.NonDependants, func(n NonDependant) bool { return n.ID == c.data.NonDependantID }) {
			return lifeline.FieldErrorf(lifeline.EINVALID, "data.non_dependant_id", "no non-dependant %s lives with the person on %s", c.data.NonDependantID, c.on)
		}
	case EnteredHospital:
		if st.InHospitalSince != 0 {
			return conflict("the person is already recorded in hospital since %s", st.InHospitalSince)
		}
	case LeftHospital:
		if st.InHospitalSince == 0 {
			return conflict("the person is not recorded in hospital on %s", c.on)
		}
	case WentAbroad:
		if st.AbroadSince != 0 {
			return conflict("the person is already recorded abroad since %s", st.AbroadSince)
		}
	case ReturnedToGB:
		if st.AbroadSince == 0 {
			return conflict("the person is not recorded abroad on %s", c.on)
		}
	case StoppedCaring:
		if st.CaringHours == 0 {
			return conflict("the person is not recorded as caring on %s", c.on)
		}
	}
	return nil
}

// RecordLifeEvent records a change in someone's life. It is processed
// (circumstances, reassessment, outcomes) in the background; LifeEvent shows
// its outcomes once they are complete.
func (s *Service) RecordLifeEvent(ctx context.Context, r LifeEventReport, key string) (*LifeEventView, error) {
	for attempt := 0; ; attempt++ {
		c, t, err := s.checkReport(ctx, r)
		// A retry is checked against a history that already holds the
		// report (a partner cannot move in twice): find it first.
		if id, ok := t.reportFor(key); ok {
			e, err := s.log.ReadEvent(ctx, id)
			if err != nil {
				return nil, err
			}
			if e.Type != c.typ || civilDate(e.OccurredAt) != c.on || !bytes.Equal(e.Data, mustJSON(c.data)) {
				return nil, lifeline.ReusedKeyError(key)
			}
			return s.lifeEventView(ctx, e)
		}
		if err != nil {
			return nil, err
		}
		res, err := s.appendReport(ctx, c, lifeline.Expected(t.Version), key, "")
		if isConflict(err) && attempt < 5 {
			continue // another change to the person came first: check again
		}
		if err != nil {
			return nil, err
		}
		events, err := s.log.ReadStream(ctx, res.Stream, lifeline.StreamQuery{FromVersion: res.FirstVersion, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(events) != 1 {
			return nil, lifeline.Errorf(lifeline.EINTERNAL, "life event not found after it was recorded")
		}
		// The other partner's record changes at once, so that their next
		// report or claim is checked against it; the reassessment would
		// write the same, once, if this instance stopped here.
		partner := c.data.PartnerID
		if partner == "" {
			partner = t.On(c.on).PartnerID
		}
		if err := s.mirrorPartner(ctx, events[0], c.personID, partner); err != nil {
			return nil, err
		}
		return s.lifeEventView(ctx, events[0])
	}
}

func (s *Service) appendReport(ctx context.Context, c checkedReport, expected lifeline.Expected, key, causation string) (lifeline.AppendResult, error) {
	md := metadata(ctx, causation)
	if key != "" {
		md.CorrelationID = reportMarker(key)
		key = "life-event:" + key
	}
	return s.appendOne(ctx, personStream(c.personID), expected, key, lifeline.NewEvent{
		Type: c.typ, OccurredAt: dayTime(c.on), Subject: c.personID, Data: mustJSON(c.data), Metadata: md,
	})
}

const reportMarkerPrefix = "report:"

// reportMarker names a report made with an idempotency key, in its
// metadata, so that a retry finds it; the key itself is not kept.
func reportMarker(key string) string {
	sum := sha256.Sum256([]byte(key))
	return reportMarkerPrefix + hex.EncodeToString(sum[:16])
}

// reportFor finds the report made with key, if any.
func (t *Timeline) reportFor(key string) (string, bool) {
	if t == nil || key == "" {
		return "", false
	}
	id, ok := t.reports[reportMarker(key)]
	return id, ok
}

// LifeEvent returns a life event and, once processed, its outcomes.
func (s *Service) LifeEvent(ctx context.Context, id string) (*LifeEventView, error) {
	e, err := s.log.ReadEvent(ctx, id)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(e.Stream, "person-") || !isLifeEvent(e.Type) {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "no life event %s", id)
	}
	return s.lifeEventView(ctx, e)
}

// processed is the data of life-event-processed.
type processed struct {
	PersonID string    `json:"person_id"`
	Outcomes []Outcome `json:"outcomes"`
	Note     string    `json:"note,omitempty"`
}

func (s *Service) lifeEventView(ctx context.Context, e lifeline.Event) (*LifeEventView, error) {
	if e.Erased {
		return nil, lifeline.Errorf(lifeline.ENOTFOUND, "life event %s belongs to a person whose data has been erased", e.ID)
	}
	v := &LifeEventView{ID: e.ID, Type: e.Type, PersonID: strings.TrimPrefix(e.Stream, "person-"), OccurredOn: civilDate(e.OccurredAt),
		RecordedAt: e.RecordedAt, Data: e.Data, Status: "processing", Outcomes: []Outcome{}}
	out, err := s.log.ReadStream(ctx, lifeEventStream(e.ID), lifeline.StreamQuery{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(out) == 1 && !out[0].Erased {
		var p processed
		if err := json.Unmarshal(out[0].Data, &p); err != nil {
			return nil, err
		}
		v.Status, v.Outcomes, v.Note = "processed", p.Outcomes, p.Note
		if v.Outcomes == nil {
			v.Outcomes = []Outcome{}
		}
	}
	return v, nil
}

// FindPerson returns the id the National Insurance number is reserved for;
// ENOTFOUND if none. Read the person to know they are registered and not
// erased.
func (s *Service) FindPerson(ctx context.Context, nino lifeline.NINO) (string, error) {
	events, err := s.log.ReadStream(ctx, s.ninoStream(nino), lifeline.StreamQuery{Limit: 1})
	if err != nil {
		return "", err
	}
	var res struct {
		PersonID string `json:"person_id"`
	}
	if len(events) == 1 {
		if err := json.Unmarshal(events[0].Data, &res); err != nil {
			return "", err
		}
	}
	if res.PersonID == "" {
		return "", lifeline.FieldErrorf(lifeline.ENOTFOUND, "nino", "no person is registered with that National Insurance number")
	}
	return res.PersonID, nil
}
