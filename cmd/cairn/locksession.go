package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// lockSessionTTL is the TTL of the session lock creates, as Consul's
// lock command: the agent invalidates it, and with it the lock, 15 s
// after the last renewal, so a lock holder that dies or is cut off from
// the servers loses its lock within that time.
const lockSessionTTL = 15 * time.Second

// renewRetry is how soon a failed renewal is tried again; renewals keep
// being retried until the TTL has passed since the last one that worked.
const renewRetry = time.Second

// errSessionLost means the agent no longer knows the lock's session:
// it was destroyed, or its TTL or one of its checks invalidated it.
var errSessionLost = errors.New("session invalidated")

// createLockSession creates the session that holds the lock: a TTL,
// the node's default serfHealth check, and Behavior release so that an
// invalidated session leaves its keys in place, unlocked.
func createLockSession(ctx context.Context, c *apiClient, name string) (string, error) {
	body, err := json.Marshal(map[string]string{
		"Name": name, "TTL": lockSessionTTL.String(), "Behavior": "release",
	})
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	resp, err := c.sendContext(ctx, http.MethodPut, "/v1/session/create", nil, body)
	if err != nil {
		return "", err
	}
	if resp.code/100 != 2 {
		return "", &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	var out struct{ ID string }
	if err := decodeJSON(resp.body, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("%w: session create answered no ID", errMalformed)
	}
	return out.ID, nil
}

// renewLockSession renews the session every half TTL until ctx ends. It
// returns errSessionLost as soon as the agent answers that the session
// is gone, and the last error when no renewal has worked for a whole
// TTL: by then the servers have invalidated it anyway.
func renewLockSession(ctx context.Context, c *apiClient, id string) error {
	wait := lockSessionTTL / 2
	lastRenewed := time.Now()
	var lastErr error
	for {
		if time.Since(lastRenewed) > lockSessionTTL {
			return fmt.Errorf("session not renewed for %v: %w", lockSessionTTL, lastErr)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		resp, err := c.sendContext(ctx, http.MethodPut, "/v1/session/renew/"+url.PathEscape(id), nil, nil)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil && resp.code == http.StatusNotFound:
			return errSessionLost
		case err == nil && resp.code/100 != 2:
			err = &statusError{code: resp.code, body: oneLine(string(resp.body))}
		}
		if err != nil {
			lastErr, wait = err, renewRetry
			continue
		}
		lastRenewed, wait = time.Now(), lockSessionTTL/2
	}
}

// destroySession destroys a session, releasing whatever it still holds.
func destroySession(ctx context.Context, c *apiClient, id string) error {
	resp, err := c.sendContext(ctx, http.MethodPut, "/v1/session/destroy/"+url.PathEscape(id), nil, nil)
	if err != nil {
		return err
	}
	if resp.code/100 != 2 {
		return &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	return nil
}

// kvGetPair reads one key with a blocking query on index (0 answers at
// once). A missing key is a nil pair with the answer's index. Reads are
// consistent: a lock decision must not rest on a stale follower's view.
func kvGetPair(ctx context.Context, c *apiClient, key string, index uint64) (*kvPair, uint64, error) {
	resp, next, err := c.blockingGet(ctx, kvPath(key), url.Values{"consistent": {""}}, index)
	if err != nil || resp.code == http.StatusNotFound {
		return nil, next, err
	}
	var pairs []kvPair
	if err := decodeJSON(resp.body, &pairs); err != nil {
		return nil, 0, err
	}
	if len(pairs) == 0 {
		return nil, next, nil
	}
	return &pairs[0], next, nil
}

// kvListPairs reads every key under prefix with a blocking query on index.
func kvListPairs(ctx context.Context, c *apiClient, prefix string, index uint64) ([]kvPair, uint64, error) {
	resp, next, err := c.blockingGet(ctx, kvPath(prefix), url.Values{"recurse": {""}, "consistent": {""}}, index)
	if err != nil || resp.code == http.StatusNotFound {
		return nil, next, err
	}
	var pairs []kvPair
	if err := decodeJSON(resp.body, &pairs); err != nil {
		return nil, 0, err
	}
	return pairs, next, nil
}

// kvWrite sends one conditional KV write (PUT with ?acquire=, ?release=
// or ?cas=, or DELETE with ?cas=) and returns the agent's true or false.
func kvWrite(ctx context.Context, c *apiClient, method, key string, q url.Values, value []byte) (bool, error) {
	resp, err := c.sendContext(ctx, method, kvPath(key), q, value)
	if err != nil {
		return false, err
	}
	if resp.code/100 != 2 {
		return false, &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	return strings.TrimSpace(string(resp.body)) == "true", nil
}
