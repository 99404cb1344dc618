package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

type cardDoc struct {
	ID           string    `bson:"_id"` // the code
	AgencyID     string    `bson:"agency_id"`
	InspectionID string    `bson:"inspection_id,omitempty"`
	CaseID       string    `bson:"case_id,omitempty"`
	Matter       string    `bson:"matter"`
	OfficerIDs   []string  `bson:"officer_ids"`
	IssuedBy     string    `bson:"issued_by"`
	IssuedAt     time.Time `bson:"issued_at"`
	ExpiresAt    time.Time `bson:"expires_at"`
	MaxRatings   int       `bson:"max_ratings"`
	Ratings      int       `bson:"ratings"`
	Remaining    int       `bson:"remaining"` // max_ratings - ratings, for the conditional claim
}

func fromCardDoc(d *cardDoc) *domain.Card {
	return &domain.Card{Code: d.ID, AgencyID: d.AgencyID, InspectionID: d.InspectionID, CaseID: d.CaseID, Matter: d.Matter, OfficerIDs: d.OfficerIDs,
		IssuedBy: d.IssuedBy, IssuedAt: d.IssuedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), MaxRatings: d.MaxRatings, Ratings: d.Ratings}
}

// CreateCard stores a new card; Conflict when its code is taken (draw another).
func (s *Store) CreateCard(ctx context.Context, c *domain.Card) error {
	c.IssuedAt = asStored(c.IssuedAt)
	c.ExpiresAt = asStored(c.ExpiresAt)
	_, err := s.db.Collection("cards").InsertOne(ctx, cardDoc{ID: c.Code, AgencyID: c.AgencyID, InspectionID: c.InspectionID, CaseID: c.CaseID,
		Matter: c.Matter, OfficerIDs: c.OfficerIDs, IssuedBy: c.IssuedBy, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, MaxRatings: c.MaxRatings, Remaining: c.MaxRatings})
	return mapErr(err, "card")
}

// CardByCode returns the card or NotFound.
func (s *Store) CardByCode(ctx context.Context, code string) (*domain.Card, error) {
	return findOne(ctx, s.db.Collection("cards"), bson.D{{Key: "_id", Value: code}}, fromCardDoc, "card")
}

type feedbackDoc struct {
	ID           string    `bson:"_id"`
	CardCode     string    `bson:"card_code,omitempty"`
	EnterpriseID string    `bson:"enterprise_id,omitempty"`
	AgencyID     string    `bson:"agency_id"`
	InspectionID string    `bson:"inspection_id,omitempty"`
	CaseID       string    `bson:"case_id,omitempty"`
	OfficerIDs   []string  `bson:"officer_ids"`
	Rating       int       `bson:"rating"`
	Tags         []string  `bson:"tags,omitempty"`
	Comment      string    `bson:"comment,omitempty"`
	Phone        string    `bson:"phone,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	Key          string    `bson:"key,omitempty"`
	Request      string    `bson:"request,omitempty"`
	Rater        string    `bson:"rater,omitempty"`
}

func fromFeedbackDoc(d *feedbackDoc) *domain.Feedback {
	return &domain.Feedback{ID: d.ID, CardCode: d.CardCode, EnterpriseID: d.EnterpriseID, AgencyID: d.AgencyID, InspectionID: d.InspectionID, CaseID: d.CaseID, OfficerIDs: d.OfficerIDs,
		Rating: d.Rating, Tags: d.Tags, Comment: d.Comment, Phone: d.Phone, CreatedAt: d.CreatedAt.UTC(), Key: d.Key, Request: d.Request, Rater: d.Rater}
}

// CountRatings raises the card's count of ratings to n: the count follows the slots taken
// (a crash before it only leaves the count low, and the next rating raises it).
func (s *Store) CountRatings(ctx context.Context, code string, n int) error {
	c := s.db.Collection("cards")
	return s.serialize("cards/"+code, func() error {
		card, err := s.CardByCode(ctx, code)
		if err != nil || card.Ratings >= n {
			return err
		}
		_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: code}, {Key: "ratings", Value: bson.D{{Key: "$lt", Value: n}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "ratings", Value: n}, {Key: "remaining", Value: max(card.MaxRatings-n, 0)}}}})
		return mapErr(err, "card")
	})
}

// CardFeedbackBy returns the card's rating given with key, or with phone, or from rater.
func (s *Store) CardFeedbackBy(ctx context.Context, code, key, phone, rater string) (*domain.Feedback, error) {
	var or bson.A
	for field, v := range map[string]string{"key": key, "phone": phone, "rater": rater} {
		if v != "" {
			or = append(or, bson.D{{Key: field, Value: v}})
		}
	}
	if len(or) == 0 {
		return nil, domain.Errorf(domain.NotFound, "feedback not found")
	}
	return findOne(ctx, s.db.Collection("feedback"), bson.D{{Key: "card_code", Value: code}, {Key: "$or", Value: or}}, fromFeedbackDoc, "feedback")
}

// LiveCards counts, up to atMost, the cards of the inspection or case still open at now.
func (s *Store) LiveCards(ctx context.Context, inspectionID, caseID string, now time.Time, atMost int) (int, error) {
	filter := bson.D{{Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}, {Key: "remaining", Value: bson.D{{Key: "$gt", Value: 0}}}}
	if caseID != "" {
		filter = append(filter, bson.E{Key: "case_id", Value: caseID})
	} else {
		filter = append(filter, bson.E{Key: "inspection_id", Value: inspectionID})
	}
	cur, err := s.db.Collection("cards").Find(ctx, filter, options.Find().SetLimit(int64(atMost)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	var docs []cardDoc
	if err == nil {
		err = cur.All(ctx, &docs)
	}
	return len(docs), mapErr(err, "card")
}

// AddFeedback stores a rating.
func (s *Store) AddFeedback(ctx context.Context, f *domain.Feedback) error {
	f.CreatedAt = asStored(f.CreatedAt)
	_, err := s.db.Collection("feedback").InsertOne(ctx, feedbackDoc{ID: f.ID, CardCode: f.CardCode, EnterpriseID: f.EnterpriseID, AgencyID: f.AgencyID, InspectionID: f.InspectionID,
		CaseID: f.CaseID, OfficerIDs: f.OfficerIDs, Rating: f.Rating, Tags: f.Tags, Comment: f.Comment, Phone: f.Phone, CreatedAt: f.CreatedAt, Key: f.Key, Request: f.Request, Rater: f.Rater})
	return mapErr(err, "feedback")
}

// FeedbackOfCard lists a card's ratings, oldest first.
func (s *Store) FeedbackOfCard(ctx context.Context, code string) ([]*domain.Feedback, error) {
	cur, err := s.db.Collection("feedback").Find(ctx, bson.D{{Key: "card_code", Value: code}})
	return findAll(ctx, cur, err, fromFeedbackDoc, "feedback")
}

// FeedbackByID returns a rating or NotFound.
func (s *Store) FeedbackByID(ctx context.Context, id string) (*domain.Feedback, error) {
	return findOne(ctx, s.db.Collection("feedback"), bson.D{{Key: "_id", Value: id}}, fromFeedbackDoc, "feedback")
}

// ListFeedback lists ratings, newest first (ids are random, so the page key is the time and
// the id).
func (s *Store) ListFeedback(ctx context.Context, f domain.FeedbackFilter, p domain.Page) ([]*domain.Feedback, string, error) {
	return pageByTime(ctx, s.db.Collection("feedback"), feedbackQuery(f), "created_at", -1, p, fromFeedbackDoc,
		func(d *feedbackDoc) (time.Time, string) { return d.CreatedAt, d.ID })
}

// feedbackQuery is the filter of f, for the list and its count.
func feedbackQuery(f domain.FeedbackFilter) bson.D {
	filter := bson.D{{Key: "agency_id", Value: bson.D{{Key: "$in", Value: f.AgencyIDs}}}}
	if f.MaxRating > 0 {
		filter = append(filter, bson.E{Key: "rating", Value: bson.D{{Key: "$lte", Value: f.MaxRating}}})
	}
	if f.Tag != "" {
		filter = append(filter, bson.E{Key: "tags", Value: f.Tag})
	}
	if created := timeRange(f.From, f.To); created != nil {
		filter = append(filter, bson.E{Key: "created_at", Value: created})
	}
	return filter
}

// OpenCardOfCase returns the case's card issued last, or NotFound.
func (s *Store) OpenCardOfCase(ctx context.Context, caseID string) (*domain.Card, error) {
	return findOne(ctx, s.db.Collection("cards"), bson.D{{Key: "case_id", Value: caseID}}, fromCardDoc, "card",
		options.FindOne().SetSort(bson.D{{Key: "issued_at", Value: -1}}))
}

// PartiesRating counts, up to atMost, the distinct parties whose ratings name the officer:
// an enterprise, or the case or inspection of a card (one party each).
func (s *Store) PartiesRating(ctx context.Context, officerID string, atMost int) (int, error) {
	cur, err := s.db.Collection("feedback").Find(ctx, bson.D{{Key: "officer_ids", Value: officerID}},
		options.Find().SetProjection(bson.D{{Key: "enterprise_id", Value: 1}, {Key: "case_id", Value: 1}, {Key: "inspection_id", Value: 1}}))
	if err != nil {
		return 0, mapErr(err, "feedback")
	}
	defer cur.Close(ctx)
	seen := map[string]bool{}
	for len(seen) < atMost && cur.Next(ctx) {
		var d feedbackDoc
		if err := cur.Decode(&d); err != nil {
			return 0, mapErr(err, "feedback")
		}
		switch {
		case d.EnterpriseID != "":
			seen["e:"+d.EnterpriseID] = true
		case d.CaseID != "":
			seen["c:"+d.CaseID] = true
		default:
			seen["i:"+d.InspectionID] = true
		}
	}
	return len(seen), mapErr(cur.Err(), "feedback")
}
