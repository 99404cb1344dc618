package store_test

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/zhifa/zhifa/domain"
	"github.com/zhifa/zhifa/store"
)

// TestContentionIsUnavailableNotInternal: a write refused because another writer held the
// lock was not applied, so the client is told to retry (503 with Retry-After), not that the
// server broke. The texts are what FerretDB's SQLite backend and MongoDB answer.
func TestContentionIsUnavailableNotInternal(t *testing.T) {
	for name, err := range map[string]error{
		"sqlite busy":          errors.New("(InternalError) [collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)"),
		"sqlite busy snapshot": errors.New("(InternalError) [msg_insert.go:168 handler.(*Handler).MsgInsert] database is locked (517)"),
		"mongo write conflict": mongo.CommandError{Code: 112, Name: "WriteConflict"},
		"mongo transient":      mongo.CommandError{Code: 251, Labels: []string{"TransientTransactionError"}},
	} {
		var de *domain.Error
		if got := store.MapErr(err, "case"); !errors.As(got, &de) || de.Code != domain.Unavailable {
			t.Errorf("%s: %v, want %s", name, got, domain.Unavailable)
		}
	}
	var de *domain.Error
	if got := store.MapErr(errors.New("(InternalError) something else"), "case"); !errors.As(got, &de) || de.Code != domain.Internal {
		t.Errorf("another server error: %v, want %s", got, domain.Internal)
	}
}
