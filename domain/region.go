package domain

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RegionLevel is a level of the administrative divisions (行政区划).
type RegionLevel string

const (
	LevelProvince RegionLevel = "province" // 省
	LevelCity     RegionLevel = "city"     // 市
	LevelDistrict RegionLevel = "district" // 区、县
	LevelTown     RegionLevel = "town"     // 镇、街道
)

// RegionLevels are the levels from the top down.
var RegionLevels = []RegionLevel{LevelProvince, LevelCity, LevelDistrict, LevelTown}

// Region is a node of the jurisdiction tree. Path holds the ids from the root down to the
// region itself, so that "is under" is one membership test and agencies can be found by it.
type Region struct {
	ID        string
	Name      string
	Level     RegionLevel
	ParentID  string
	Path      []string
	Code      string // 行政区划代码, optional
	CreatedAt time.Time
}

// Validate checks r against its parent (nil for a root): a child is a level below its parent.
func (r *Region) Validate(parent *Region) error {
	f := FieldErrors{}
	r.Name = strings.TrimSpace(r.Name)
	if n := utf8.RuneCountInString(r.Name); n == 0 || n > 64 {
		f.Add("name", "required, at most 64 characters")
	}
	if !slices.Contains(RegionLevels, r.Level) {
		f.Add("level", "one of province, city, district, town")
	}
	if r.Code != "" && (!digitsOnly(r.Code) || len(r.Code) != 6 && len(r.Code) != 9 && len(r.Code) != 12) {
		f.Add("code", "6, 9 or 12 digits (行政区划代码)")
	}
	if parent != nil && slices.Index(RegionLevels, parent.Level) >= slices.Index(RegionLevels, r.Level) {
		f.Add("level", "must be below the parent's level ("+string(parent.Level)+")")
	}
	return f.Err()
}

// Under says whether the region with path lies in (or is) the region id.
func Under(path []string, id string) bool { return id != "" && slices.Contains(path, id) }

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Regions stores the jurisdiction tree.
type Regions interface {
	// CreateRegion inserts r under its parent (setting Path); Conflict when the parent has a
	// child of that name already.
	CreateRegion(ctx context.Context, r *Region) error
	RegionByID(ctx context.Context, id string) (*Region, error)
	// ListRegions lists the children of parentID ("" for the roots), by name.
	ListRegions(ctx context.Context, parentID string, p Page) ([]*Region, string, error)
}
