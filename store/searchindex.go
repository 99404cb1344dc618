package store

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/btree"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/zhifa/zhifa/domain"
)

// An in-process list index can also be searched: each entry names its scope (the agency) and
// its terms (a number, a digest, the grams of a name), and the index keeps, per scope and term,
// the ids that have it, in id order. A search walks the one posting of the rarest term in each
// scope it may see from the cursor on, so its cost follows the page and the term's matches in
// that scope, not the size of the collection.

// searchable makes x keep postings of the terms of its entries within the scope of each.
func (x *listIndex[E]) searchable(format string, scope func(*E) string, terms func(*E) []string) *listIndex[E] {
	x.format, x.scope = format, scope
	x.terms = terms
	x.postings = map[string]*posting{}
	x.scopes = map[string]int{}
	return x
}

func postingKey(scope, term string) string { return scope + "\x00" + term }

// posting is the ids that have one term in one scope, in order. Most terms (a number, a
// digest) name one case: those stay a small sorted slice; a term of many (a common character)
// becomes a tree, where an insert costs no memmove of the whole posting.
type posting struct {
	small []string
	tree  *btree.BTreeG[string]
}

const mostInSmallPosting = 64

func (p *posting) insert(id string) {
	if p.tree != nil {
		p.tree.ReplaceOrInsert(id)
		return
	}
	i, found := slices.BinarySearch(p.small, id)
	if found {
		return
	}
	if len(p.small) < mostInSmallPosting {
		p.small = slices.Insert(p.small, i, id)
		return
	}
	p.tree = btree.NewG(16, func(a, b string) bool { return a < b })
	for _, s := range p.small {
		p.tree.ReplaceOrInsert(s)
	}
	p.tree.ReplaceOrInsert(id)
	p.small = nil
}

func (p *posting) remove(id string) {
	if p.tree != nil {
		p.tree.Delete(id)
		return
	}
	if i, found := slices.BinarySearch(p.small, id); found {
		p.small = slices.Delete(p.small, i, i+1)
	}
}

func (p *posting) len() int {
	if p.tree != nil {
		return p.tree.Len()
	}
	return len(p.small)
}

// ascend calls fn with each id from the first at or after from until fn returns false.
func (p *posting) ascend(from string, fn func(string) bool) {
	if p.tree != nil {
		p.tree.AscendGreaterOrEqual(from, fn)
		return
	}
	i, _ := slices.BinarySearch(p.small, from)
	for _, id := range p.small[i:] {
		if !fn(id) {
			return
		}
	}
}

// post records k's terms; x.mu is held.
func (x *listIndex[E]) post(k *keyed[E]) {
	if x.terms == nil {
		return
	}
	postAll(x.postings, x.scopes, x.scope(&k.e), k.id, x.terms(&k.e))
}

func postAll(postings map[string]*posting, scopes map[string]int, scope, id string, terms []string) {
	scopes[scope]++
	for _, t := range terms {
		key := postingKey(scope, t)
		p := postings[key]
		if p == nil {
			p = &posting{small: make([]string, 0, 1)}
			postings[key] = p
		}
		p.insert(id)
	}
}

// unpost removes k's terms; x.mu is held.
func (x *listIndex[E]) unpost(k *keyed[E]) {
	if x.terms == nil {
		return
	}
	scope := x.scope(&k.e)
	if x.scopes[scope]--; x.scopes[scope] <= 0 {
		delete(x.scopes, scope)
	}
	for _, t := range x.terms(&k.e) {
		key := postingKey(scope, t)
		if p := x.postings[key]; p != nil {
			p.remove(k.id)
			if p.len() == 0 {
				delete(x.postings, key)
			}
		}
	}
}

// postingsOf builds the postings and scope counts of a fresh tree, or none when x is not
// searchable.
func (x *listIndex[E]) postingsOf(entries *btree.BTreeG[keyed[E]]) (map[string]*posting, map[string]int) {
	if x.terms == nil {
		return nil, nil
	}
	postings := map[string]*posting{}
	scopes := map[string]int{}
	entries.Ascend(func(k keyed[E]) bool {
		postAll(postings, scopes, x.scope(&k.e), k.id, x.terms(&k.e))
		return true
	})
	return postings, scopes
}

// search returns the ids of up to limit entries after the id after that have one of the terms
// (the rarest is walked; match decides) or are among extra, in scopes (nil: every scope), and
// whether more follow.
func (x *listIndex[E]) search(scopes []string, terms []string, match func(*E) bool, after string, extra []string, limit int) ([]string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if scopes == nil {
		for s := range x.scopes {
			scopes = append(scopes, s)
		}
	}
	best, bestLen := "", -1
	for _, t := range terms {
		n := 0
		for _, s := range scopes {
			if p := x.postings[postingKey(s, t)]; p != nil {
				n += p.len()
			}
		}
		if bestLen < 0 || n < bestLen {
			best, bestLen = t, n
		}
	}
	var ids []string
	for _, id := range extra {
		if k, ok := x.entries.Get(keyed[E]{id: id}); ok && id > after && slices.Contains(scopes, x.scope(&k.e)) && match(&k.e) {
			ids = append(ids, id)
		}
	}
	for _, s := range scopes {
		if bestLen <= 0 {
			break
		}
		p := x.postings[postingKey(s, best)]
		if p == nil {
			continue
		}
		found := 0
		p.ascend(after, func(id string) bool {
			if id == after {
				return true
			}
			if k, ok := x.entries.Get(keyed[E]{id: id}); ok && match(&k.e) {
				ids = append(ids, id)
				found++
			}
			return found <= limit
		})
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > limit {
		return ids[:limit], true
	}
	return ids, false
}

// searchedPage is one keyset page of a search: the postings pick the ids, each object is read
// by _id.
func searchedPage[E indexEntry, D any, T any](ctx context.Context, x *listIndex[E], c *mongo.Collection, scopes, terms, extra []string, match func(*E) bool, p domain.Page, conv func(*D) T, what string, opts ...options.Lister[options.FindOneOptions]) ([]T, string, error) {
	ids, next, err := searchedIDs(ctx, x, scopes, terms, extra, match, p)
	if err != nil {
		return nil, "", err
	}
	out, err := readByID(ctx, c, ids, conv, what, opts...)
	return out, next, err
}

// searchedIDs is the ids of one keyset page of a search, and the next cursor.
func searchedIDs[E indexEntry](ctx context.Context, x *listIndex[E], scopes, terms, extra []string, match func(*E) bool, p domain.Page) ([]string, string, error) {
	p = p.Normalize()
	after := ""
	if p.Cursor != "" {
		var err error
		if after, err = decodeCursor(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	if err := x.wait(ctx); err != nil {
		return nil, "", err
	}
	ids, more := x.search(scopes, terms, match, after, extra, p.Limit)
	if !more {
		return ids, "", nil
	}
	return ids, encodeCursor(ids[len(ids)-1]), nil
}

// nameFilter is the query a MongoDB index of the grams of field answers for a fragment of a
// name: every gram of the fragment, then each part of it in the name itself.
func nameFilter(field, q string) bson.D {
	return bson.D{{Key: gramsField(field), Value: bson.D{{Key: "$all", Value: domain.QueryGrams(q)}}}, namePartsFilter(field, q)}
}

// namePartsFilter matches the names of field that contain each part of fragment q, as
// domain.NameMatches does; the parts are quoted, never read as patterns.
func namePartsFilter(field, q string) bson.E {
	var parts bson.A
	for _, part := range strings.Fields(domain.FoldName(q)) {
		parts = append(parts, bson.D{{Key: field, Value: bson.D{{Key: "$regex", Value: regexp.QuoteMeta(part)}, {Key: "$options", Value: "i"}}}})
	}
	return bson.E{Key: "$and", Value: parts}
}

// gramsField is where the grams of a name field are kept: party.name's in party.name_grams.
func gramsField(field string) string { return field + "_grams" }

// fillCaseSearchFields gives the cases stored before their search fields existed the digest
// and the grams MongoDB's indexes find them by. On FerretDB the in-process index computes
// them from the party itself and nothing is needed.
func (s *Store) fillCaseSearchFields(ctx context.Context) error {
	const done = "case_search_fields"
	marks := s.db.Collection("migrations")
	switch err := marks.FindOne(ctx, bson.D{{Key: "_id", Value: done}}).Err(); {
	case err == nil:
		return nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return err
	}
	if err := s.fillCaseSearchFieldsOnce(ctx); err != nil {
		return err
	}
	_, err := marks.ReplaceOne(ctx, bson.D{{Key: "_id", Value: done}}, bson.D{{Key: "_id", Value: done}, {Key: "at", Value: time.Now().UTC()}}, options.Replace().SetUpsert(true))
	return err
}

func (s *Store) fillCaseSearchFieldsOnce(ctx context.Context) error {
	c := s.db.Collection("cases")
	cur, err := c.Find(ctx, bson.D{{Key: "party.name_grams", Value: bson.D{{Key: "$exists", Value: false}}}},
		options.Find().SetProjection(bson.D{{Key: "party.name", Value: 1}, {Key: "party.id_number", Value: 1}}))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID    string   `bson:"_id"`
			Party partyDoc `bson:"party"`
		}
		if err := cur.Decode(&d); err != nil {
			return err
		}
		set := bson.D{{Key: "party.name_grams", Value: domain.NameGrams(d.Party.Name)}}
		if d.Party.IDNumber != "" {
			set = append(set, bson.E{Key: "party.id_hash", Value: domain.IDNumberHash(d.Party.IDNumber)})
		}
		if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}}); err != nil {
			return err
		}
	}
	return cur.Err()
}
