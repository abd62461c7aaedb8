package sqlite

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/store/storetest"
)

// The write connection never checkpoints (wal_autocheckpoint is off on it);
// the background checkpointer copies committed pages into the database
// file while the store is open, and the WAL does not keep growing.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	defer db.Close()
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	before := size(path)
	now := time.Now().UTC()
	write := func(from, to int) {
		for i := from; i < to; i++ {
			if err := db.CreateSession(ctx, storetest.NewSession(fmt.Sprintf("ps_ckpt%05d", i), now), nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(0, 400)
	deadline := time.Now().Add(10 * time.Second)
	for size(path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes, WAL %d bytes: nothing checkpointed", size(path), size(path+"-wal"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Once checkpointed, new commits reuse the WAL from its start: more
	// rounds of the same writes leave it no larger than a few rounds.
	wal := size(path + "-wal")
	for round := 1; round <= 6; round++ {
		write(round*400, (round+1)*400)
		time.Sleep(2 * checkpointEvery)
	}
	if got := size(path + "-wal"); got > 3*wal {
		t.Fatalf("WAL grew from %d to %d bytes over 6 rounds: it is not reset", wal, got)
	}
}
