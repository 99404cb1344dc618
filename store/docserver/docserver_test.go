package docserver

import (
	"context"
	"os"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// startOrSkip starts a server; without PostgreSQL the test is skipped, except under CI=true,
// where .ci/run installs it.
func startOrSkip(t *testing.T, gated bool) *Server {
	t.Helper()
	if _, err := Binaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := Start(context.Background(), Options{Gated: gated})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// race runs what from clients connections at once, each its own client as separate
// processes would be, rounds times each.
func race(t *testing.T, uri string, clients, rounds int, what func(c *mongo.Collection, client, round int)) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range clients {
		cl, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
		c := cl.Database("atomicity").Collection("counters")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				what(c, i, r)
			}
		}()
	}
	wg.Wait()
}

// increments has clients $inc one counter with findAndModify and says how many increments
// the counter shows and how many distinct values the clients were handed.
func increments(t *testing.T, uri string, clients, rounds int) (count int64, distinct int) {
	first, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Disconnect(context.Background())
	if _, err := first.Database("atomicity").Collection("counters").InsertOne(context.Background(), bson.D{{Key: "_id", Value: "c"}, {Key: "n", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]bool{}
	race(t, uri, clients, rounds, func(c *mongo.Collection, _, _ int) {
		var d struct {
			N int64 `bson:"n"`
		}
		err := c.FindOneAndUpdate(context.Background(), bson.D{{Key: "_id", Value: "c"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		seen[d.N] = true
		mu.Unlock()
	})
	var d struct {
		N int64 `bson:"n"`
	}
	if err := first.Database("atomicity").Collection("counters").FindOne(context.Background(), bson.D{{Key: "_id", Value: "c"}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d.N, len(seen)
}

// TestFerretDBOverPostgreSQLLosesConcurrentUpdates is what was found: FerretDB 1.24 over
// PostgreSQL applies an update by reading the document and writing it back in two
// transactions, so 8 clients incrementing one counter lose increments and are handed the same
// number twice. The figures are logged, not asserted: how many are lost depends on timing.
func TestFerretDBOverPostgreSQLLosesConcurrentUpdates(t *testing.T) {
	s := startOrSkip(t, false)
	const clients, rounds = 8, 50
	count, distinct := increments(t, s.URI, clients, rounds)
	t.Logf("ungated FerretDB over PostgreSQL: %d increments from %d clients, the counter shows %d, %d distinct values handed out (%d lost)",
		clients*rounds, clients, count, distinct, clients*rounds-int(count))
}

// TestTheGateMakesEachWriteAtomic: through the gate the same increments are all counted and
// each client is handed its own number; a conditional update (compare and set on a version,
// as Zhifa's leases and state changes are) is won by exactly one of the clients that race for
// each version.
func TestTheGateMakesEachWriteAtomic(t *testing.T) {
	s := startOrSkip(t, true)
	const clients, rounds = 8, 50
	count, distinct := increments(t, s.URI, clients, rounds)
	if count != clients*rounds || distinct != clients*rounds {
		t.Fatalf("%d increments through the gate: the counter shows %d, %d distinct values", clients*rounds, count, distinct)
	}
	// Compare and set: every client tries to move the version from v to v+1 for v in 0..rounds;
	// each step is won once, so the versions won add up to rounds and none is won twice.
	var mu sync.Mutex
	won := map[int]int{}
	compareAndSet := func(c *mongo.Collection, client, round int) {
		res, err := c.UpdateOne(context.Background(), bson.D{{Key: "_id", Value: "v"}, {Key: "v", Value: round}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "v", Value: round + 1}, {Key: "by", Value: client}}}})
		if err != nil {
			t.Error(err)
			return
		}
		if res.ModifiedCount == 1 {
			mu.Lock()
			won[round]++
			mu.Unlock()
		}
	}
	race(t, s.URI, clients, rounds, compareAndSet)
	// The document did not exist: nothing could be won. Create it, race again.
	if len(won) != 0 {
		t.Fatalf("updates of a missing document matched: %v", won)
	}
	cl, _ := mongo.Connect(options.Client().ApplyURI(s.URI))
	defer cl.Disconnect(context.Background())
	if _, err := cl.Database("atomicity").Collection("counters").InsertOne(context.Background(), bson.D{{Key: "_id", Value: "v"}, {Key: "v", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	race(t, s.URI, clients, rounds, compareAndSet)
	for v, n := range won {
		if n != 1 {
			t.Fatalf("version %d was won %d times", v, n)
		}
	}
	t.Logf("through the gate: %d increments all counted; %d versions each won once; %d write commands gated", count, len(won), s.Writes.Load())
}
