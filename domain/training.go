package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// AnnualTrainingPlanHours is the yearly training each officer is planned to attend.
const AnnualTrainingPlanHours = 60

// TrainingRecord is one training an officer attended.
type TrainingRecord struct {
	ID        string
	OfficerID string
	AgencyID  string
	Topic     string
	Hours     float64
	Date      time.Time
	CreatedAt time.Time
}

// Validate checks a training record; it returns Invalid with the fields.
func (t *TrainingRecord) Validate(now time.Time) error {
	f := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(t.Topic)); n == 0 || n > 200 {
		f.Add("topic", "required, at most 200 characters")
	}
	if t.Hours <= 0 || t.Hours > 24 {
		f.Add("hours", "more than 0 and at most 24 for one record")
	}
	if t.Date.IsZero() {
		f.Add("date", "required")
	} else if t.Date.After(ChinaDate(now)) {
		f.Add("date", "cannot be in the future")
	}
	return f.Err()
}

// TrainingTotal is an officer's training hours in one year against the plan.
type TrainingTotal struct {
	OfficerID string
	Name      string
	Year      int
	Hours     float64
}

// Shortfall is how many hours the officer still needs to meet the plan, zero when met.
func (t TrainingTotal) Shortfall() float64 {
	return max(0, AnnualTrainingPlanHours-t.Hours)
}
