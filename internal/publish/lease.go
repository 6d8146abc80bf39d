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
	"time"

	"github.com/dele-opendata/dele/internal/store"
)

// LockKey is the key of a dataset's publish lease in the private store.
func LockKey(id string) string { return path.Join("locks", id) }

// lease is the content of a lease object. Token is unique per Publish
// call, so a run only ever releases its own lease.
type lease struct {
	Dataset  string    `json:"dataset"`
	Token    string    `json:"token"`
	Owner    string    `json:"owner,omitempty"`
	RunID    string    `json:"runId,omitempty"`
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
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
	key := LockKey(id)
	deadline := time.Now().Add(p.LockWait)
	delay := 50 * time.Millisecond
	for {
		now := p.now()
		l := &lease{Dataset: id, Token: hex.EncodeToString(tok[:]), Owner: p.Owner, RunID: runID, Acquired: now, Expires: now.Add(p.leaseTTL())}
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
		case !now.Before(cur.Expires):
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
			return nil, fmt.Errorf("%w: lease held by %s (run %s) until %s", ErrLocked, orUnknown(cur.Owner), orUnknown(cur.RunID), cur.Expires.Format(time.RFC3339))
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
