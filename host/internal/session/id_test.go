package session

import (
	"crypto/rand"
	"regexp"
	"sort"
	"testing"
	"time"
)

// Ids sort in the order they were made (to the millisecond), keep their
// length and alphabet, and differ within one millisecond.
func TestIDsSortByCreation(t *testing.T) {
	now := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	s := &Service{now: func() time.Time { return now }, random: rand.Reader}
	format := regexp.MustCompile(`^ps_[2-7a-z]{32}$`)
	var ids []string
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		if i%4 == 0 {
			now = now.Add(time.Duration(i%7+1) * time.Millisecond)
		}
		id, err := s.newID("ps_")
		if err != nil {
			t.Fatal(err)
		}
		if !format.MatchString(id) || seen[id] {
			t.Fatalf("id %q: wrong format or repeated", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	for i := 4; i < len(ids); i += 4 { // made a later millisecond than the one before
		if ids[i-1] >= ids[i] {
			t.Fatalf("%s (made earlier) sorts after %s", ids[i-1], ids[i])
		}
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	for i := 0; i+4 <= len(ids); i += 4 { // each millisecond's ids stay together
		group := map[string]bool{ids[i]: true, ids[i+1]: true, ids[i+2]: true, ids[i+3]: true}
		for _, id := range sorted[i : i+4] {
			if !group[id] {
				t.Fatalf("ids of one millisecond interleave with others: %v", sorted[i:i+4])
			}
		}
	}
}
