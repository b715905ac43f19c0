package claims

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/lifeline-gov/lifeline"
)

// Task is work for an agent: a claim that cannot be decided until a person
// does something. This is the simple list the claims service needs; case
// management will take tasks over.
type Task struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	ClaimID     string     `json:"claim_id"`
	PersonID    string     `json:"person_id"`
	Description string     `json:"description"`
	Status      string     `json:"status"` // open or closed
	OpenedAt    time.Time  `json:"opened_at"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Outcome     string     `json:"outcome,omitempty"`
}

func (s *Service) openTask(ctx context.Context, t Task) error {
	_, err := s.appendOne(ctx, taskStream, lifeline.ExpectAny, "task-opened:"+t.ID, lifeline.NewEvent{
		Type: "task-opened", Data: mustJSON(t), Metadata: metadata(ctx, t.ClaimID),
	})
	return err
}

// closeTasks closes every open task of a claim.
func (s *Service) closeTasks(ctx context.Context, c *ClaimView, outcome string) error {
	for _, tr := range c.Transitions {
		if tr.TaskID == "" {
			continue
		}
		_, err := s.appendOne(ctx, taskStream, lifeline.ExpectAny, "task-closed:"+tr.TaskID, lifeline.NewEvent{
			Type: "task-closed", Data: mustJSON(Task{ID: tr.TaskID, Outcome: outcome}), Metadata: metadata(ctx, c.ID),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Tasks lists tasks, newest first; status is "open", "closed" or "" for all.
func (s *Service) Tasks(ctx context.Context, status string) ([]Task, error) {
	if status != "" && status != "open" && status != "closed" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "status", "status must be open or closed")
	}
	events, err := s.readStream(ctx, taskStream, time.Time{})
	if err != nil {
		return nil, err
	}
	var tasks []Task
	index := map[string]int{}
	for _, e := range events {
		var t Task
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return nil, err
		}
		switch e.Type {
		case "task-opened":
			t.Status, t.OpenedAt = "open", e.RecordedAt
			index[t.ID] = len(tasks)
			tasks = append(tasks, t)
		case "task-closed":
			if i, ok := index[t.ID]; ok {
				at := e.RecordedAt
				tasks[i].Status, tasks[i].ClosedAt, tasks[i].Outcome = "closed", &at, t.Outcome
			}
		}
	}
	tasks = slices.DeleteFunc(tasks, func(t Task) bool { return status != "" && t.Status != status })
	slices.Reverse(tasks)
	if tasks == nil {
		tasks = []Task{}
	}
	return tasks, nil
}

// OpenTask opens a task for an agent from another service, once per key:
// the payments engine asks for new bank details when a payment comes back.
func (s *Service) OpenTask(ctx context.Context, key, kind, personID, description string) error {
	return s.openTask(ctx, Task{ID: lifeline.DeriveID("task", key), Kind: kind, PersonID: personID, Description: description})
}
