package sharing

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/rules"
)

const (
	disclosureRecorded = "disclosure-recorded"
	disclosureReserved = "disclosure-reserved"
)

func disclosureStream(personID string) string { return "disclosures-" + personID }

func usageStream(agreementID string, day string) string {
	return "agreement-use-" + agreementID + "-" + day
}

// Disclosure is one disclosure of a person's data to a partner, as the
// person may see it: who, when, why, under which law, what, and where in
// the provenance log it is committed.
type Disclosure struct {
	ID           string         `json:"id"`
	PartnerID    string         `json:"partner_id"`
	PartnerName  string         `json:"partner_name"`
	Agreement    string         `json:"agreement"`
	Purpose      string         `json:"purpose"`
	LegalGateway string         `json:"legal_gateway"`
	Kind         string         `json:"kind"` // query, match or feed
	Fields       []string       `json:"fields"`
	ConditionMet bool           `json:"condition_met"`
	Data         map[string]any `json:"data"`
	// Request is what the partner sent; hashed with the response into the
	// provenance entry, so the person can check the entry is theirs.
	Request  any                 `json:"request"`
	At       time.Time           `json:"at"`
	On       rules.Date          `json:"on"` // the day in the UK that the data describes
	LogIndex int64               `json:"log_index"`
	LeafHash string              `json:"leaf_hash"`
	Receipt  *provenance.Receipt `json:"receipt,omitempty"`
}

// reserve takes one of the agreement's disclosures for today and returns
// the disclosure's id. The day's count is the version of a stream, so the
// limit holds across every instance. A retry with the same key reserves
// nothing and returns the first answer instead, if it was recorded.
func (s *Service) reserve(ctx context.Context, p *Partner, a *Agreement, personID, key string) (id string, replay *Answer, err error) {
	// With a key the id is derived from it, so that a retry proposes the
	// same reservation and the log can tell it from a reused key.
	if key != "" {
		key = "disclosure:" + p.ID + ":" + key
		id = lifeline.DeriveID(key)
	} else if id, err = s.newID(); err != nil {
		return "", nil, err
	}
	stream := usageStream(a.ID, s.today().String())
	res, err := s.append(ctx, stream, lifeline.ExpectAny, key,
		event(ctx, disclosureReserved, "", map[string]string{"disclosure_id": id, "person_id": personID}))
	if err != nil {
		return "", nil, err
	}
	if res.Replayed && personID != "" {
		events, err := s.log.ReadStream(ctx, stream, lifeline.StreamQuery{FromVersion: res.FirstVersion, Limit: 1})
		if err != nil {
			return "", nil, err
		}
		var r map[string]string
		if len(events) == 1 {
			json.Unmarshal(events[0].Data, &r)
		}
		if r["person_id"] != personID {
			return "", nil, lifeline.ReusedKeyError(key)
		}
		d, err := s.disclosure(ctx, personID, r["disclosure_id"])
		if err != nil || d == nil {
			// Reserved but never recorded (a crash between the two): finish
			// it under the reserved id.
			return r["disclosure_id"], nil, err
		}
		return d.ID, d.answer(), nil
	}
	if res.LastVersion > int64(a.DailyLimit) {
		return "", nil, lifeline.Errorf(lifeline.ELIMIT, "agreement %s allows %d disclosures a day and today's are used up; try again tomorrow or ask for the limit to be raised", a.ID, a.DailyLimit)
	}
	return id, nil, nil
}

// disclose commits d to the provenance log and records it against the
// person, and returns its receipt. The entry goes first: a crash between
// the two leaves the log saying more was disclosed than was, never less.
func (s *Service) disclose(ctx context.Context, personID string, d *Disclosure, a *Agreement) (provenance.Receipt, error) {
	receipt, err := s.commit(ctx, d, a)
	if err != nil {
		return provenance.Receipt{}, err
	}
	return receipt, s.record(ctx, personID, d)
}

// commit commits d to the provenance log and notes where on d.
func (s *Service) commit(ctx context.Context, d *Disclosure, a *Agreement) (provenance.Receipt, error) {
	receipt, err := s.notary.Commit(ctx, provenance.Disclosure{
		AgreementID: d.Agreement, PartnerID: d.PartnerID, Purpose: d.Purpose, LegalBasis: a.LegalGateway,
		RequestHash: hashJSON(d.Request), ResponseHash: hashJSON(responseOf(d)),
	})
	if err != nil {
		return provenance.Receipt{}, err
	}
	d.LogIndex = receipt.Index
	d.LeafHash = b64(receipt.LeafHash[:])
	d.Receipt = &receipt
	d.At = s.now().UTC()
	d.On = s.today()
	return receipt, nil
}

// record writes d to the person's disclosure history, once however often
// it is retried.
func (s *Service) record(ctx context.Context, personID string, d *Disclosure) error {
	_, err := s.append(ctx, disclosureStream(personID), lifeline.ExpectAny, "disclosure:"+d.ID+":"+personID, event(ctx, disclosureRecorded, personID, d))
	return err
}

// responseOf is what the response hash covers: the disclosure's id and
// what was disclosed.
func responseOf(d *Disclosure) any {
	return struct {
		ID           string         `json:"disclosure_id"`
		ConditionMet bool           `json:"condition_met"`
		Data         map[string]any `json:"data"`
	}{d.ID, d.ConditionMet, d.Data}
}

func (d *Disclosure) answer() *Answer {
	a := &Answer{DisclosureID: d.ID, Agreement: d.Agreement, Purpose: d.Purpose, On: d.On, ConditionMet: d.ConditionMet, Data: d.Data}
	if d.Receipt != nil {
		a.Receipt = *d.Receipt
	}
	return a
}

// Disclosures returns what was disclosed about a person, oldest first.
func (s *Service) Disclosures(ctx context.Context, personID string) ([]Disclosure, error) {
	if _, err := s.registry.Person(ctx, personID, time.Time{}, 0); err != nil {
		return nil, err
	}
	events, err := s.readStream(ctx, disclosureStream(personID))
	if err != nil {
		return nil, err
	}
	out := make([]Disclosure, 0, len(events))
	for _, e := range events {
		if e.Erased {
			continue
		}
		var d Disclosure
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// disclosure returns one recorded disclosure about a person, or nil.
func (s *Service) disclosure(ctx context.Context, personID, id string) (*Disclosure, error) {
	all, err := s.Disclosures(ctx, personID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, nil
}
