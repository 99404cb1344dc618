package domain

import (
	"testing"
	"time"
)

// TestTrainingOnChinasTodayIsNotInTheFuture: at 00:30 in China (16:30 UTC the day before) a
// session held that day is recorded; the next day is refused.
func TestTrainingOnChinasTodayIsNotInTheFuture(t *testing.T) {
	now := time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	if err := (&TrainingRecord{Topic: "行政处罚法专题", Hours: 6, Date: today}).Validate(now); err != nil {
		t.Fatalf("China's today refused: %v", err)
	}
	if err := (&TrainingRecord{Topic: "行政处罚法专题", Hours: 6, Date: today.AddDate(0, 0, 1)}).Validate(now); err == nil {
		t.Fatal("China's tomorrow accepted")
	}
}
