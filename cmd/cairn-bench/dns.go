package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/miekg/dns"
)

// dnsName is the service the DNS measurement registers and looks up.
const dnsName = "bench-dns"

// dnsQueries measures DNS queries per second: it registers a service,
// waits until the agent's DNS interface answers for it, then has each
// worker send A queries for it over its own UDP socket.
func (b *bench) dnsQueries(ctx context.Context) error {
	ts, err := b.targets(ctx)
	if err != nil {
		return err
	}
	reg := httpClient(1, 30*time.Second)
	if err := do(ctx, reg, http.MethodPut, "http://"+ts[0].addrs.HTTP+"/v1/catalog/register",
		registration("bench-dns-node", dnsName, 8080), "true"); err != nil {
		return fmt.Errorf("register the service to look up: %w", err)
	}
	var addrs []string
	for _, t := range ts {
		if t.addrs.DNS == "" {
			return fmt.Errorf("no DNS address known for %s (give -dns-addr)", t.name)
		}
		addrs = append(addrs, t.addrs.DNS)
	}
	question := new(dns.Msg).SetQuestion(dnsName+".service.consul.", dns.TypeA)
	probe := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	if err := waitFor(ctx, func() bool { return lookup(probe, nil, addrs[0], question) == nil }, 30*time.Second); err != nil {
		return fmt.Errorf("%s.service.consul never answered at %s: %w", dnsName, addrs[0], err)
	}
	for _, n := range b.opts.clients {
		conns, cpu := make([]*dns.Conn, n), b.cpuNow()
		lat, errs, elapsed := b.workers(ctx, n, func(worker, _ int) error {
			if conns[worker] == nil {
				c, err := probe.Dial(addrs[worker%len(addrs)])
				if err != nil {
					return err
				}
				conns[worker] = c
			}
			return lookup(probe, conns[worker], "", question)
		})
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		b.report("dns", "clients", n, "queries", len(lat), "errors", errs,
			"queries_per_sec", float64(len(lat))/elapsed.Seconds(),
			"p50_ms", lat.quantile(0.5), "p99_ms", lat.quantile(0.99), "cpu", cpu.since())
	}
	return nil
}

// lookup sends one query, over conn if given (else to addr), and checks
// for a successful answer with at least one record.
func lookup(c *dns.Client, conn *dns.Conn, addr string, q *dns.Msg) error {
	var r *dns.Msg
	var err error
	if conn != nil {
		r, _, err = c.ExchangeWithConn(q.Copy(), conn)
	} else {
		r, _, err = c.Exchange(q.Copy(), addr)
	}
	if err != nil {
		return err
	}
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
		return fmt.Errorf("%s: rcode %s, %d answers", q.Question[0].Name, dns.RcodeToString[r.Rcode], len(r.Answer))
	}
	return nil
}
