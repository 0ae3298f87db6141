package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// blockingGet sends one blocking query: a GET of path that the agent
// holds until the answer's index passes index or its wait time ends (an
// index of 0 answers at once). It returns the answer, whose status may be
// 404 (a key that does not exist, which still carries an index), and the
// index of the answer from X-Consul-Index. Any other status outside 2xx
// is an error, as is an answer without a usable index.
func (c *apiClient) blockingGet(ctx context.Context, path string, query url.Values, index uint64) (*response, uint64, error) {
	q := url.Values{}
	for k, vs := range query {
		q[k] = vs
	}
	if index > 0 {
		q.Set("index", strconv.FormatUint(index, 10))
	}
	resp, err := c.sendContext(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, 0, err
	}
	if resp.code/100 != 2 && resp.code != http.StatusNotFound {
		return nil, 0, &statusError{code: resp.code, body: oneLine(string(resp.body))}
	}
	header := resp.header.Get("X-Consul-Index")
	next, err := strconv.ParseUint(header, 10, 64)
	switch {
	case err != nil && resp.code == http.StatusNotFound:
		// No index: not a read that found nothing but a path the
		// agent does not serve.
		return nil, 0, &statusError{code: resp.code, body: oneLine(string(resp.body))}
	case err != nil:
		return nil, 0, fmt.Errorf("%w: X-Consul-Index %q", errMalformed, header)
	}
	return resp, next, nil
}

// nextIndex is the index the following blocking query waits on, after
// an answer at index when the previous query waited on last. An index
// that went backwards (the servers' state was restored from an older
// snapshot, or another server answered) starts over from 0, which
// answers at once; Consul's clients do the same.
func nextIndex(last, index uint64) uint64 {
	if index < last {
		return 0
	}
	return index
}
