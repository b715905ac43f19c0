package sharing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/seal"
)

// Privacy-preserving matching lets a partner ask which of its people are
// already claiming (a duplicate claim across councils or departments)
// without sending their identifiers. Partner and platform share a key per
// agreement; the partner sends, for each person,
//
//	base64url( HMAC-SHA256(key, "nino:" + NINO) )
//
// with the National Insurance number normalised to upper case without
// spaces ("QQ123456C"), and is told which of those hashes belong to people
// claiming a benefit the agreement covers. Nothing else is returned, and a
// hash that does not match reveals nothing to either side.

// MaxMatchHashes bounds one matching request.
const MaxMatchHashes = 10_000

// MatchRequest is a partner's matching request.
type MatchRequest struct {
	Agreement string   `json:"agreement"`
	Purpose   string   `json:"purpose"`
	Hashes    []string `json:"hashes"`
}

// MatchAnswer lists the hashes of people who are claiming.
type MatchAnswer struct {
	DisclosureID string   `json:"disclosure_id"`
	Agreement    string   `json:"agreement"`
	Purpose      string   `json:"purpose"`
	Matches      []string `json:"matches"`
	Receipt      any      `json:"receipt"`
}

// MatchKey returns the agreement's matching key. It is derived from the
// master key, so it is never stored; the partner reads it from
// GET /v1/partner/agreements/{id}.
func (s *Service) MatchKey(agreementID string) []byte {
	return seal.DeriveKey(s.master, "partner matching key "+agreementID)
}

// MatchHash is the keyed hash of a National Insurance number.
func MatchHash(key []byte, nino lifeline.NINO) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("nino:" + string(nino)))
	return b64(m.Sum(nil))
}

// matchIndex maps the keyed hash of every person who has had an award of a
// covered benefit to their id. It only grows, reading the award index from
// where it stopped; whether the person is claiming today is checked when a
// hash matches.
type matchIndex struct {
	mu       sync.Mutex // held while the index is brought up to date
	benefits string     // the covered benefits it was built for
	read     int64      // awards index entries read
	people   map[string]string
	seen     map[string]bool // people already hashed
}

// Match answers a matching request, records a disclosure against each
// person matched and commits the request to the provenance log.
func (s *Service) Match(ctx context.Context, p *Partner, req MatchRequest, key string) (*MatchAnswer, error) {
	a, err := s.authorise(ctx, p, req.Agreement, req.Purpose)
	if err != nil {
		return nil, err
	}
	if !a.Matching {
		return nil, lifeline.FieldErrorf(lifeline.EFORBIDDEN, "agreement", "agreement %s does not allow matching", a.ID)
	}
	if len(req.Hashes) == 0 || len(req.Hashes) > MaxMatchHashes {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "hashes", "send 1 to %d hashes", MaxMatchHashes)
	}
	for i, h := range req.Hashes {
		if b, err := unb64(h); err != nil || len(b) != sha256.Size {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "hashes", "hash %d is not base64url (no padding) of 32 bytes: compute HMAC-SHA256(key, \"nino:\" + NINO)", i+1)
		}
	}
	candidates, err := s.candidates(ctx, a, req.Hashes)
	if err != nil {
		return nil, err
	}
	id, _, err := s.reserve(ctx, p, a, "", key)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var matched []string
	var people []string
	for _, h := range req.Hashes {
		person, ok := candidates[h]
		if !ok || slices.Contains(people, person) {
			continue
		}
		pv, err := s.registry.Person(ctx, person, time.Time{}, 0)
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			continue // erased since
		}
		if err != nil {
			return nil, err
		}
		awards, err := s.awardsOf(ctx, pv)
		if err != nil {
			return nil, err
		}
		if len(recordOf(pv, awards, a.Benefits, today).subject.Receives) == 0 {
			continue
		}
		matched = append(matched, h)
		people = append(people, person)
	}
	ans := &MatchAnswer{DisclosureID: id, Agreement: a.Ref(), Purpose: req.Purpose, Matches: nonNil(matched)}
	d := Disclosure{ID: id, PartnerID: p.ID, PartnerName: p.Name, Agreement: a.Ref(), Purpose: req.Purpose,
		LegalGateway: a.LegalGateway, Kind: "match", Fields: []string{}, ConditionMet: true,
		Data: map[string]any{"matches": ans.Matches}, Request: struct {
			ID string `json:"disclosure_id"`
			MatchRequest
		}{id, req}}
	receipt, err := s.commit(ctx, &d, a)
	if err != nil {
		return nil, err
	}
	ans.Receipt = receipt
	// Each person matched sees that the partner learned they are claiming.
	for i, person := range people {
		pd := d
		pd.Data = map[string]any{"claiming": true}
		pd.Request = map[string]string{"hash": matched[i]}
		if err := s.record(ctx, person, &pd); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// candidates brings the agreement's match index up to date and returns
// the people whose hashes are among hashes.
func (s *Service) candidates(ctx context.Context, a *Agreement, hashes []string) (map[string]string, error) {
	covered := strings.Join(a.Benefits, ",")
	s.mu.Lock()
	mi := s.matchIndex[a.ID]
	if mi == nil || mi.benefits != covered {
		mi = &matchIndex{benefits: covered, people: map[string]string{}, seen: map[string]bool{}}
		s.matchIndex[a.ID] = mi
	}
	s.mu.Unlock()
	mi.mu.Lock()
	defer mi.mu.Unlock()
	key := s.MatchKey(a.ID)
	for {
		ids, err := s.registry.AwardIDs(ctx, mi.read, lifeline.MaxReadLimit)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			aw, err := s.registry.AwardSummary(ctx, id)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(a.Benefits, aw.Benefit) {
				continue
			}
			for _, person := range aw.Claimants {
				if mi.seen[person] {
					continue
				}
				pv, err := s.registry.Person(ctx, person, time.Time{}, 0)
				if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
					continue
				}
				if err != nil {
					return nil, err
				}
				mi.people[MatchHash(key, lifeline.NINO(pv.NINO))] = person
				mi.seen[person] = true
			}
		}
		mi.read += int64(len(ids))
		if len(ids) < lifeline.MaxReadLimit {
			break
		}
	}
	out := map[string]string{}
	for _, h := range hashes {
		if person, ok := mi.people[h]; ok {
			out[h] = person
		}
	}
	return out, nil
}
