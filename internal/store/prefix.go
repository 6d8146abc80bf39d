package store

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// WithPrefix returns a Store that keeps its objects in s under prefix,
// which must be a clean key followed by a slash ("private/"). Keys passed to
// the returned store are relative to prefix, and List returns relative keys.
// It is how one bucket or folder holds both the public and the private
// store: WithPrefix(s, "public/") and WithPrefix(s, "private/").
//
// When s implements ConditionalPutter or RangeGetter, so does the
// returned store (and only then); check with a type assertion as for any
// store.
func WithPrefix(s Store, prefix string) (Store, error) {
	if !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("store prefix %q: %w: must end with a slash", prefix, ErrInvalidKey)
	}
	if err := CheckKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return nil, fmt.Errorf("store prefix: %w", err)
	}
	p := &prefixed{s: s, prefix: prefix}
	c, isCond := s.(ConditionalPutter)
	r, isRange := s.(RangeGetter)
	switch {
	case isCond && isRange:
		return &prefixedCondRange{&prefixedCond{p, c}, r}, nil
	case isCond:
		return &prefixedCond{p, c}, nil
	case isRange:
		return &prefixedRange{p, r}, nil
	}
	return p, nil
}

type prefixed struct {
	s      Store
	prefix string
}

func (p *prefixed) key(k string) (string, error) {
	if err := CheckKey(k); err != nil {
		return "", err
	}
	return p.prefix + k, nil
}

func (p *prefixed) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := p.key(key)
	if err != nil {
		return nil, err
	}
	return p.s.Get(ctx, k)
}

func (p *prefixed) Put(ctx context.Context, key string, r io.Reader, o PutOptions) error {
	k, err := p.key(key)
	if err != nil {
		return err
	}
	return p.s.Put(ctx, k, r, o)
}

func (p *prefixed) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	k, err := p.key(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	info, err := p.s.Stat(ctx, k)
	info.Key = strings.TrimPrefix(info.Key, p.prefix)
	return info, err
}

func (p *prefixed) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	infos, err := p.s.List(ctx, p.prefix+prefix)
	for i := range infos {
		infos[i].Key = strings.TrimPrefix(infos[i].Key, p.prefix)
	}
	return infos, err
}

func (p *prefixed) Delete(ctx context.Context, key string) error {
	k, err := p.key(key)
	if err != nil {
		return err
	}
	return p.s.Delete(ctx, k)
}

type prefixedCond struct {
	*prefixed
	c ConditionalPutter
}

func (p *prefixedCond) PutIfAbsent(ctx context.Context, key string, r io.Reader, o PutOptions) error {
	k, err := p.key(key)
	if err != nil {
		return err
	}
	return p.c.PutIfAbsent(ctx, k, r, o)
}

func (p *prefixedCond) PutIfMatch(ctx context.Context, key string, r io.Reader, etag string, o PutOptions) error {
	k, err := p.key(key)
	if err != nil {
		return err
	}
	return p.c.PutIfMatch(ctx, k, r, etag, o)
}

// getRange reads a range of key from r, the wrapped store's RangeGetter.
func (p *prefixed) getRange(ctx context.Context, r RangeGetter, key string, offset, length int64) (io.ReadCloser, error) {
	k, err := p.key(key)
	if err != nil {
		return nil, err
	}
	return r.GetRange(ctx, k, offset, length)
}

type prefixedRange struct {
	*prefixed
	r RangeGetter
}

func (p *prefixedRange) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	return p.getRange(ctx, p.r, key, offset, length)
}

type prefixedCondRange struct {
	*prefixedCond
	r RangeGetter
}

func (p *prefixedCondRange) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	return p.getRange(ctx, p.r, key, offset, length)
}
