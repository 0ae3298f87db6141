package main

import (
	"context"
	"encoding/json"
	"fmt"
)

// registration is the body of PUT /v1/catalog/register: an external node
// with one service.
func registration(node, service string, port int) []byte {
	b, err := json.Marshal(map[string]any{
		"Node": node, "Address": "10.0.0.1",
		"Service": map[string]any{"ID": service, "Service": service, "Port": port},
	})
	if err != nil {
		panic(err) // maps of strings and ints always encode
	}
	return b
}

// catalogRegister measures catalog registrations per second: each worker
// re-registers one of 1,000 nodes of its own with a new port each time,
// so that every registration changes the catalog.
func (b *bench) catalogRegister(ctx context.Context) error {
	return b.writes(ctx, "catalog-register", func(worker, i int) (string, []byte) {
		return "/v1/catalog/register",
			registration(fmt.Sprintf("bench-%d-%d", worker, i%1000), "bench-svc", 1+i%60000)
	})
}
