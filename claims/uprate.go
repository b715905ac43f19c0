package claims

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// UpratingReport says what an up-rating did.
type UpratingReport struct {
	From         rules.Date `json:"from"`
	RulesVersion string     `json:"rules_version"`
	Awards       int64      `json:"awards"`    // awards looked at in this run
	Revised      int64      `json:"revised"`   // awards whose amounts or rules changed
	Unchanged    int64      `json:"unchanged"` // live awards with nothing to change
	NotLive      int64      `json:"not_live"`  // awards that had ended before from
	Resumed      int64      `json:"resumed"`   // awards done by an interrupted run, skipped
	Seconds      float64    `json:"seconds"`
}

// Progress is told how far an up-rating has got.
type Progress func(done, total int64)

// Uprate reassesses every live award from day from with the service's
// rules: the annual up-rating, run when new rates are published. It works
// through the award index in pages and records its progress in the log
// after each page, so an interrupted run resumes where it stopped; an award
// already revised by this up-rating is not revised twice.
func (s *Service) Uprate(ctx context.Context, from rules.Date, workers int, progress Progress) (*UpratingReport, error) {
	began := time.Now()
	version := s.params.Version()
	rep := &UpratingReport{From: from, RulesVersion: version}
	if _, err := s.params.RatesBetween(from, from); err != nil {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "from", "no rules in force on %s: %s", from, lifeline.ErrorMessage(err))
	}
	if workers < 1 {
		workers = 1
	}
	progressStream := "uprating-" + from.String() + "-" + version
	done, err := s.upratingDone(ctx, progressStream)
	if err != nil {
		return nil, err
	}
	rep.Resumed = done
	total := done
	c := cause{id: progressStream, typ: "uprating", reason: "Up-rating from " + from.String() + " (rules " + version + ")."}
	today := s.today()
	ctx = WithActor(ctx, Actor{Name: "system:uprating"})
	for {
		page, err := s.log.ReadStream(ctx, awardIndexStream, lifeline.StreamQuery{FromVersion: done + 1, Limit: lifeline.MaxReadLimit})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		ids := make(chan string)
		var wg sync.WaitGroup
		var firstErr atomic.Pointer[error]
		for range workers {
			wg.Go(func() {
				for id := range ids {
					if firstErr.Load() != nil {
						continue
					}
					if err := s.uprateOne(ctx, id, from, c, today, rep); err != nil {
						firstErr.CompareAndSwap(nil, &err)
					}
				}
			})
		}
		for _, e := range page {
			var l Link
			if err := json.Unmarshal(e.Data, &l); err != nil {
				close(ids)
				wg.Wait()
				return nil, err
			}
			ids <- l.ID
		}
		close(ids)
		wg.Wait()
		if p := firstErr.Load(); p != nil {
			return nil, *p
		}
		done = page[len(page)-1].Version
		total += int64(len(page))
		if _, err := s.appendOne(ctx, progressStream, lifeline.ExpectAny, "", lifeline.NewEvent{
			Type: "uprating-progress", Data: mustJSON(map[string]int64{"done": done}),
		}); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(total, 0)
		}
	}
	rep.Seconds = time.Since(began).Seconds()
	return rep, nil
}

func (s *Service) upratingDone(ctx context.Context, stream string) (int64, error) {
	events, err := s.readStream(ctx, stream, time.Time{})
	if err != nil || len(events) == 0 {
		return 0, err
	}
	var p struct {
		Done int64 `json:"done"`
	}
	err = json.Unmarshal(events[len(events)-1].Data, &p)
	return p.Done, err
}

func (s *Service) uprateOne(ctx context.Context, id string, from rules.Date, c cause, today rules.Date, rep *UpratingReport) error {
	for attempt := 0; ; attempt++ {
		ppl := people{}
		o, affected, err := s.reviseAward(ctx, id, ppl, from, 0, c, today)
		if isConflict(err) && attempt < 20 {
			continue // a change of circumstances revised it meanwhile
		}
		if lifeline.ErrorCode(err) == lifeline.ENOTFOUND {
			atomic.AddInt64(&rep.NotLive, 1) // erased
			return nil
		}
		if err != nil {
			return err
		}
		atomic.AddInt64(&rep.Awards, 1)
		switch {
		case !affected:
			atomic.AddInt64(&rep.NotLive, 1)
		case o.Outcome == NoChange:
			atomic.AddInt64(&rep.Unchanged, 1)
		default:
			atomic.AddInt64(&rep.Revised, 1)
		}
		return nil
	}
}
