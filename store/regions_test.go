package store

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/zhifa/zhifa/domain"
)

// TestOlderAgenciesJoinTheTree: agencies stored before the jurisdiction tree (district and
// town names only) are placed in it when the store opens, sharing the regions of one name.
func TestOlderAgenciesJoinTheTree(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, Config{Database: "regions", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for i, town := range []string{"红卫路街道", "红卫路街道", ""} {
		if _, err := st.db.Collection("agencies").InsertOne(ctx, bson.D{{Key: "_id", Value: string(rune('a' + i))}, {Key: "name", Value: "局"},
			{Key: "uscc", Value: string(rune('a' + i))}, {Key: "district", Value: "青山区"}, {Key: "town", Value: town}, {Key: "status", Value: "active"},
			{Key: "created_at", Value: time.Now()}, {Key: "updated_at", Value: time.Now()}, {Key: "version", Value: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, Config{Database: "regions", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	a, _ := st.AgencyByID(ctx, "a")
	b, _ := st.AgencyByID(ctx, "b")
	c, _ := st.AgencyByID(ctx, "c")
	if a == nil || b == nil || c == nil || a.RegionID == "" || a.RegionID != b.RegionID || len(a.RegionPath) != 2 || c.RegionID != a.RegionPath[0] {
		t.Fatalf("placed: %+v %+v %+v", a, b, c)
	}
	town, err := st.RegionByID(ctx, a.RegionID)
	if err != nil || town.Name != "红卫路街道" || town.Level != "town" {
		t.Fatalf("the town: %+v %v", town, err)
	}
	under, _, err := st.AgenciesUnder(ctx, c.RegionID, domain.Page{})
	if err != nil || len(under) != 3 {
		t.Fatalf("agencies under the district: %d %v", len(under), err)
	}
}
