package claims

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/provenance"
)

// DecisionsSubscription is the durable consumer that commits every
// decision on a period to the provenance log.
const DecisionsSubscription = "provenance.decisions"

// decisionCommitted records where a period's decision is in the
// provenance log, on stream decisions-<award id>.
const decisionCommitted = "decision-committed"

func decisionStream(awardID string) string { return "decisions-" + awardID }

// Appender appends an encoded entry to the provenance log and returns its
// index once durable.
type Appender interface {
	Append(ctx context.Context, entry []byte) (int64, error)
}

type committed struct {
	N     int    `json:"n"`
	Index int64  `json:"index"`
	Event string `json:"event"` // the award event that decided the period
}

// CommitDecisions returns a subscription batch handler that commits each
// period an award event decides (award id, period, rules version, hash of
// the inputs, amount) to the provenance log, and notes each entry's index
// so the period's receipt can be found. Entries carry no personal data.
// Redelivered events are noted once; an entry appended just before a crash
// may be appended again, so a period can have two identical entries.
func (s *Service) CommitDecisions(log Appender) func(ctx context.Context, events []lifeline.Event) error {
	return func(ctx context.Context, events []lifeline.Event) error {
		for _, e := range events {
			if (e.Type != awardDecided && e.Type != awardRevised) || e.Erased {
				continue
			}
			var d withoutExplanations
			if err := json.Unmarshal(e.Data, &d); err != nil {
				return err
			}
			awardID := e.Stream[len("award-"):]
			var notes []lifeline.NewEvent
			for _, p := range d.Periods {
				if p.Removed {
					continue
				}
				entry, err := provenance.Decision{AwardID: awardID, PeriodStart: p.Start.String(), PeriodEnd: p.End.String(),
					RulesVersion: p.RulesVersion, InputsHash: committedHash(p.InputsHash), AmountPence: max(int64(p.Amount), 0)}.MarshalEntry()
				if err != nil {
					return err
				}
				index, err := log.Append(ctx, entry)
				if err != nil {
					return err
				}
				notes = append(notes, lifeline.NewEvent{Type: decisionCommitted, Data: mustJSON(committed{N: p.N, Index: index, Event: e.ID})})
			}
			if len(notes) == 0 {
				continue
			}
			if _, err := s.log.Append(ctx, lifeline.AppendRequest{Stream: decisionStream(awardID), Expected: lifeline.ExpectAny,
				IdempotencyKey: "decisions:" + e.ID, Events: notes}); err != nil {
				return err
			}
		}
		return nil
	}
}

// committedHash is the inputs hash as the entry carries it: the SHA-256
// itself, or for a period decided before hashes were kept whole, the
// SHA-256 of what was kept.
func committedHash(h string) [sha256.Size]byte {
	var out [sha256.Size]byte
	if b, err := hex.DecodeString(h); err == nil && len(b) == sha256.Size {
		copy(out[:], b)
		return out
	}
	return sha256.Sum256([]byte(h))
}

// DecisionIndex returns the provenance log index of the latest decision
// on period n of an award; ENOTFOUND until it is committed.
func (s *Service) DecisionIndex(ctx context.Context, awardID string, n int) (int64, error) {
	if err := checkID("id", awardID); err != nil {
		return 0, err
	}
	events, err := s.readStream(ctx, decisionStream(awardID), time.Time{})
	if err != nil {
		return 0, err
	}
	index := int64(-1)
	for _, e := range events {
		var c committed
		if err := json.Unmarshal(e.Data, &c); err != nil {
			return 0, err
		}
		if c.N == n {
			index = c.Index
		}
	}
	if index < 0 {
		return 0, lifeline.FieldErrorf(lifeline.ENOTFOUND, "n", "no decision on period %s of award %s is in the provenance log yet; decisions are committed within seconds", strconv.Itoa(n), awardID)
	}
	return index, nil
}
