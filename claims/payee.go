package claims

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Payee is what the payments engine needs to pay a person: unlike the
// person's view, the account number is whole.
type Payee struct {
	PersonID      string
	NINO          string
	Name          string
	Bank          *BankAccount
	BankChangedOn rules.Date // zero if the account is the one registered
	BankVerified  bool       // the last change was confirmed with the person
	DiedOn        rules.Date
}

// Payee returns the person's payment details on day.
func (s *Service) Payee(ctx context.Context, personID string, day rules.Date) (Payee, error) {
	t, err := s.timeline(ctx, personID, time.Time{})
	if err != nil {
		return Payee{}, err
	}
	st := t.On(day)
	return Payee{PersonID: personID, NINO: st.NINO, Name: st.GivenNames + " " + st.FamilyName, Bank: st.BankAccount,
		BankChangedOn: st.BankChangedOn, BankVerified: st.BankVerified, DiedOn: t.DiedOn()}, nil
}

// AwardIDs returns up to limit award ids from the index, after the first
// skip.
func (s *Service) AwardIDs(ctx context.Context, skip int64, limit int) ([]string, error) {
	page, err := s.log.ReadStream(ctx, awardIndexStream, lifeline.StreamQuery{FromVersion: skip + 1, Limit: limit})
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(page))
	for _, e := range page {
		var l Link
		if err := json.Unmarshal(e.Data, &l); err != nil {
			return nil, err
		}
		ids = append(ids, l.ID)
	}
	return ids, nil
}
