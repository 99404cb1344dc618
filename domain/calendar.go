package domain

import (
	"strings"
	"time"
)

// Calendar counts working days (工作日) in China: Monday to Friday, less the public holidays,
// plus the weekend days the State Council makes working days (调休). Both lists are
// configuration, published each December for the year after.
type Calendar struct {
	Holidays map[string]bool // YYYY-MM-DD
	Workdays map[string]bool // YYYY-MM-DD, weekend days worked
}

// ParseCalendar reads two comma-separated lists of dates; Invalid names the first bad one.
func ParseCalendar(holidays, workdays string) (Calendar, error) {
	c := Calendar{Holidays: map[string]bool{}, Workdays: map[string]bool{}}
	for _, l := range []struct {
		s   string
		dst map[string]bool
	}{{holidays, c.Holidays}, {workdays, c.Workdays}} {
		for _, d := range strings.Split(l.s, ",") {
			d = strings.TrimSpace(d)
			if d == "" {
				continue
			}
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return c, Errorf(Invalid, "%q is not a date YYYY-MM-DD", d)
			}
			l.dst[d] = true
		}
	}
	return c, nil
}

// IsWorkday says whether the China calendar day of t is a working day.
func (c Calendar) IsWorkday(t time.Time) bool {
	day := ChinaDate(t)
	key := day.Format(time.DateOnly)
	if c.Workdays[key] {
		return true
	}
	if c.Holidays[key] {
		return false
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays is the deadline n working days after t: the end of the n-th working day after
// t's day (China time), as the instant the next day begins. The day of t does not count, as a
// time limit in days starts the day after the event (行政处罚法 art. 85).
func (c Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := PlannedDayStart(ChinaDate(t))
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkday(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1)
}

// Stamp is an instant as records keep and show it: UTC, to the millisecond.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
