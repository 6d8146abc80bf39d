package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"

	"github.com/dele-opendata/dele/internal/holder"
	"github.com/dele-opendata/dele/internal/store"
)

// LockKey is the key of a dataset's publish lease in the private store.
func LockKey(id string) string { return path.Join("locks", id) }

// lease is the content of a lease object. Token is unique per Publish
// call, so a run only ever releases its own lease. Holder names the
// process, so that a lease left by a process that died on this machine
// is taken over at once rather than when it expires.
type lease struct {
	Dataset  string         `json:"dataset"`
	Token    string         `json:"token"`
	Owner    string         `json:"owner,omitempty"`
	RunID    string         `json:"runId,omitempty"`
	Holder   *holder.Holder `json:"holder,omitempty"`
	Acquired time.Time      `json:"acquired"`
	Expires  time.Time      `json:"expires"`
}

// held is the tokens of the leases this process holds now. A lease that
// names this process but is not here was left behind (its release failed,
// say while the store was unreachable) and no Publish call uses it.
var held sync.Map

// abandoned reports whether a lease that has not expired is held by no
// one: its holder was this process, which no longer uses it, or another
// process on this machine that has died.
func abandoned(l *lease) bool {
	if l.Holder == nil {
		return false
	}
	if l.Holder.IsSelf() {
		_, ok := held.Load(l.Token)
		return !ok
	}
	return l.Holder.Dead()
}

// acquire takes the dataset's lease: it creates the lease object only if
// it is absent, or replaces a stale one only if it is unchanged since it
// was read, so two runs can never both hold it. It waits up to LockWait
// for a live lease held by another run.
func (p *Publisher) acquire(ctx context.Context, id, runID string) (*lease, error) {
	c, ok := p.Private.(store.ConditionalPutter)
	if !ok {
		return nil, fmt.Errorf("publish lease: the private store %T has no conditional writes", p.Private)
	}
	var tok [12]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	// Registered before it is written, so that no other Publish call of
	// this process takes it for abandoned; removed again on failure.
	held.Store(token, true)
	l, err := p.take(ctx, c, id, runID, token)
	if err != nil {
		held.Delete(token)
	}
	return l, err
}

func (p *Publisher) take(ctx context.Context, c store.ConditionalPutter, id, runID, token string) (*lease, error) {
	key := LockKey(id)
	self := holder.Self()
	deadline := time.Now().Add(p.LockWait)
	delay := 50 * time.Millisecond
	for {
		now := p.now()
		l := &lease{Dataset: id, Token: token, Owner: p.Owner, RunID: runID, Holder: &self, Acquired: now, Expires: now.Add(p.leaseTTL())}
		b, err := json.Marshal(l)
		if err != nil {
			return nil, err
		}
		o := store.PutOptions{ContentType: "application/json"}
		err = c.PutIfAbsent(ctx, key, bytes.NewReader(b), o)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, store.ErrPrecondition) {
			return nil, fmt.Errorf("publish lease: %w", err)
		}
		// Held: take it over if stale.
		cur, etag, err := p.readLease(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotExist):
			continue // released meanwhile
		case err != nil:
			return nil, fmt.Errorf("publish lease: %w", err)
		case cur.Token == token:
			// Our own write went through but its answer was lost, and the
			// store's retry of it found the object there.
			return cur, nil
		case !now.Before(cur.Expires) || abandoned(cur):
			err := c.PutIfMatch(ctx, key, bytes.NewReader(b), etag, o)
			if err == nil {
				return l, nil
			}
			if !errors.Is(err, store.ErrPrecondition) {
				return nil, fmt.Errorf("publish lease: take over stale lease: %w", err)
			}
			continue // someone else took it over first
		}
		if time.Now().After(deadline) {
			by := orUnknown(cur.Owner)
			if cur.Holder != nil {
				by += " on " + cur.Holder.String()
			}
			return nil, fmt.Errorf("%w: lease held by %s (run %s) until %s", ErrLocked, by, orUnknown(cur.RunID), cur.Expires.Format(time.RFC3339))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "an unnamed run"
	}
	return s
}

// readLease reads a lease and the ETag it had before the read. A lease
// that cannot be parsed counts as expired, so it cannot block forever.
func (p *Publisher) readLease(ctx context.Context, key string) (*lease, string, error) {
	info, err := p.Private.Stat(ctx, key)
	if err != nil {
		return nil, "", err
	}
	b, err := store.ReadAll(ctx, p.Private, key)
	if err != nil {
		return nil, "", err
	}
	var l lease
	if json.Unmarshal(b, &l) != nil {
		return &lease{}, info.ETag, nil
	}
	return &l, info.ETag, nil
}

// release deletes the lease if it is still this run's. It tries a few
// times, since a lease left behind blocks the next run until it expires;
// the errors of failed attempts are returned as notes, and err is set
// only when every attempt failed.
func (p *Publisher) release(ctx context.Context, l *lease) (notes []string, err error) {
	// Whatever happens below, no call of this process uses the lease any
	// more: if it stays behind, the next run here takes it over at once.
	defer held.Delete(l.Token)
	key := LockKey(l.Dataset)
	for range 3 {
		var cur *lease
		cur, _, err = p.readLease(ctx, key)
		if errors.Is(err, store.ErrNotExist) {
			return notes, nil
		}
		if err == nil {
			if cur.Token != l.Token {
				return notes, nil // expired and taken over by another run
			}
			if err = p.Private.Delete(ctx, key); err == nil {
				return notes, nil
			}
		}
		notes = append(notes, fmt.Sprintf("release lease (retried): %v", err))
	}
	return notes, err
}
