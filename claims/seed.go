package claims

import (
	"context"
	"fmt"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// SeedPerson is one person of a bulk-loaded population with one award.
type SeedPerson struct {
	Details Details
	Benefit rules.Benefit
	Start   rules.Date // the award's first day
}

// Seed loads people each with a decided award, without the claim journey:
// for benchmarks and load tests that need a population of millions in
// minutes. Each person takes three appends (their National Insurance
// number's reservation, their stream with the award linked, and the award's
// stream) and the award index takes one per call. The details are trusted:
// nothing is validated, and a number seeded twice finds the first person.
func (s *Service) Seed(ctx context.Context, batch []SeedPerson) ([]string, error) {
	today := s.today()
	ids := make([]string, len(batch))
	index := make([]lifeline.NewEvent, 0, len(batch))
	for i, sp := range batch {
		id, err := s.newID()
		if err != nil {
			return nil, err
		}
		ids[i] = id
		awardID := lifeline.DeriveID("seed", id)
		u := unit{benefit: sp.Benefit, claimants: []string{id}, start: sp.Start, freq: sp.Benefit.Frequency()}
		t := &Timeline{ID: id, registered: sp.Details}
		a := &Award{ID: awardID, Benefit: sp.Benefit.Key(), Start: sp.Start, Frequency: u.freq}
		rv, err := revise(a, sp.Start, today, 0, today, s.params.LastDay(), s.params.Version(), func(n int, start, end rules.Date) (assessed, error) {
			return assessPeriod(s.params, u, people{id: t}, n, start, end)
		})
		if err != nil {
			return nil, err
		}
		d := rv.data
		d.Overpayment, d.Underpayment = 0, 0
		d.Benefit, d.Basis, d.Claimants, d.Start, d.Frequency = sp.Benefit.Key(), "Seeded for a benchmark.", u.claimants, sp.Start, u.freq
		for j := range d.Periods {
			d.Periods[j].New = false
		}
		link := Link{ID: awardID, Benefit: sp.Benefit.Key()}
		if _, err := s.appendOne(ctx, s.ninoStream(lifeline.NINO(sp.Details.NINO)), lifeline.ExpectAny, "", lifeline.NewEvent{
			Type: "nino-reserved", Data: mustJSON(map[string]string{"person_id": id}),
		}); err != nil {
			return nil, fmt.Errorf("seed National Insurance number: %w", err)
		}
		if _, err := s.log.Append(ctx, lifeline.AppendRequest{Stream: personStream(id), Expected: lifeline.ExpectNoStream, Events: []lifeline.NewEvent{
			{Type: personRegistered, Subject: id, Data: mustJSON(sp.Details)},
			{Type: awardLinked, Subject: id, Data: mustJSON(link)},
		}}); err != nil {
			return nil, fmt.Errorf("seed person: %w", err)
		}
		if _, err := s.appendOne(ctx, awardStream(awardID), lifeline.ExpectNoStream, "", lifeline.NewEvent{
			Type: awardDecided, OccurredAt: dayTime(sp.Start), Subject: id, Data: mustJSON(d),
		}); err != nil {
			return nil, fmt.Errorf("seed award: %w", err)
		}
		index = append(index, lifeline.NewEvent{Type: "award-indexed", Data: mustJSON(link)})
	}
	for len(index) > 0 {
		n := min(len(index), lifeline.MaxEventsPerAppend)
		if _, err := s.log.Append(ctx, lifeline.AppendRequest{Stream: awardIndexStream, Expected: lifeline.ExpectAny, Events: index[:n]}); err != nil {
			return nil, err
		}
		index = index[n:]
	}
	return ids, nil
}
