package catalog

import (
	"encoding/json"
	"fmt"
)

// tableDef is one section of a snapshot. The registry below lists every
// table in snapshot order; a new table plugs in by adding its rows to db,
// an entry here (with the snapshot version that added it), and touchTable
// calls in its writes for table-wide watches.
type tableDef struct {
	name string
	// count returns the number of records write will emit.
	count func(d *db) int
	// write emits the table's records in key order.
	write func(d *db, emit func(record any) error) error
	// read decodes one record into d. Records must arrive in strictly
	// increasing key order, which also rules out duplicates.
	read func(d *db, raw []byte) error
	// single says the section holds exactly one record.
	single bool
	// since is the first snapshot version that holds the section; reading
	// an older snapshot leaves the table empty.
	since uint16
}

// tableDefs is the registry, in snapshot order. A table's rows may refer
// only to rows of tables before it (services to nodes, checks to services,
// sessions to nodes and checks, keys to the sessions holding them).
var tableDefs = []tableDef{
	{name: "meta", count: func(*db) int { return 1 }, write: writeMeta, read: readMeta, single: true},
	{name: tableNodes, count: func(d *db) int { return d.nodes.len() }, write: writeNodes, read: readNode},
	{name: tableServices, count: func(d *db) int { return d.services.len() }, write: writeServices, read: readService},
	{name: tableChecks, count: func(d *db) int { return d.checks.len() }, write: writeChecks, read: readCheck},
	{name: tableSessions, count: func(d *db) int { return d.sessions.len() }, write: writeSessions, read: readSession, since: 2},
	{name: tableKVs, count: func(d *db) int { return d.kvs.len() }, write: writeKVs, read: readKV},
	{name: "lock_delays", count: func(d *db) int { return d.lockDelays.len() }, write: writeLockDelays, read: readLockDelay, since: 2},
	{name: tableACLPolicies, count: func(d *db) int { return d.aclPolicies.len() }, write: writeACLPolicies, read: readACLPolicy, since: 3},
	{name: tableACLTokens, count: func(d *db) int { return d.aclTokens.len() }, write: writeACLTokens, read: readACLToken, since: 3},
	{name: tableACLBootstrap, count: func(*db) int { return 1 }, write: writeACLBootstrap, read: readACLBootstrap, single: true, since: 3},
	{name: tableAutopilot, count: func(*db) int { return 1 }, write: writeAutopilot, read: readAutopilot, single: true, since: 4},
	{name: tableQueries, count: func(d *db) int { return d.queries.len() }, write: writeQueries, read: readQuery, since: 4},
	indexTable("kv_tombstones", func(d *db) *ordered[uint64] { return &d.kvTombstones }),
	indexTable("node_indexes", func(d *db) *ordered[uint64] { return &d.nodeIndexes }),
	indexTable("service_indexes", func(d *db) *ordered[uint64] { return &d.serviceIndexes }),
}

// writeRows emits one record per row of t, in key order; record builds it.
func writeRows[V any](t *ordered[V], emit func(any) error, record func(key string, v V) any) error {
	for k := range t.all() {
		if err := emit(record(k, t.at(k))); err != nil {
			return err
		}
	}
	return nil
}

func writeNodes(d *db, emit func(any) error) error {
	return writeRows(&d.nodes, emit, func(_ string, n *Node) any { return n })
}

func writeServices(d *db, emit func(any) error) error {
	return writeRows(&d.services, emit, func(k string, svc *Service) any {
		return serviceRecord{Node: splitKey(k)[0], Service: svc}
	})
}

func writeChecks(d *db, emit func(any) error) error {
	return writeRows(&d.checks, emit, func(_ string, c *HealthCheck) any { return c })
}

func writeKVs(d *db, emit func(any) error) error {
	return writeRows(&d.kvs, emit, func(_ string, e *KVPair) any { return e })
}

// appendRow adds key at the end of t during a restore, refusing a key that
// does not sort after the previous one.
func appendRow[V any](t *ordered[V], key string, v V) error {
	if last, ok := t.last(); ok && last >= key {
		return fmt.Errorf("row %q out of order after %q", key, last)
	}
	t.put(key, v)
	return nil
}

// metaRecord holds the catalog's own indexes.
type metaRecord struct {
	LastIndex    uint64
	Floor        uint64
	TableIndexes map[string]uint64
}

func writeMeta(d *db, emit func(any) error) error {
	return emit(metaRecord{LastIndex: d.lastIndex, Floor: d.floor, TableIndexes: d.tableIndex})
}

func readMeta(d *db, raw []byte) error {
	var m metaRecord
	if err := decodeStrict(raw, &m); err != nil {
		return err
	}
	d.lastIndex, d.floor = m.LastIndex, m.Floor
	for k, v := range m.TableIndexes {
		d.tableIndex[k] = v
	}
	return nil
}

func readNode(d *db, raw []byte) error {
	var n Node
	if err := decodeStrict(raw, &n); err != nil {
		return err
	}
	if n.Node == "" {
		return ErrMissingNode
	}
	if hasNUL(n.Node) {
		return ErrBadName
	}
	return appendRow(&d.nodes, n.Node, &n)
}

// serviceRecord is a service instance with the node it runs on.
type serviceRecord struct {
	Node    string
	Service *Service
}

func readService(d *db, raw []byte) error {
	var r serviceRecord
	if err := decodeStrict(raw, &r); err != nil {
		return err
	}
	if r.Service == nil || r.Service.ID == "" || r.Service.Service == "" {
		return ErrMissingServiceName
	}
	if hasNUL(r.Service.ID, r.Service.Service) {
		return ErrBadName
	}
	if _, ok := d.nodes.get(r.Node); !ok {
		return fmt.Errorf("service %q: %w: %q", r.Service.ID, ErrNodeNotFound, r.Node)
	}
	return appendRow(&d.services, joinKey(r.Node, r.Service.ID), r.Service)
}

// rebuildServiceNames derives the by-name index from the services table
// after a restore.
func rebuildServiceNames(d *db) {
	for k := range d.services.all() {
		parts := splitKey(k)
		d.serviceNames.put(joinKey(d.services.at(k).Service, parts[0], parts[1]), struct{}{})
	}
}

func readCheck(d *db, raw []byte) error {
	var c HealthCheck
	if err := decodeStrict(raw, &c); err != nil {
		return err
	}
	if c.CheckID == "" {
		return ErrMissingCheckID
	}
	if hasNUL(c.CheckID) {
		return ErrBadName
	}
	if _, ok := d.nodes.get(c.Node); !ok {
		return fmt.Errorf("check %q: %w: %q", c.CheckID, ErrNodeNotFound, c.Node)
	}
	if _, ok := d.services.get(joinKey(c.Node, c.ServiceID)); c.ServiceID != "" && !ok {
		return fmt.Errorf("check %q: %w: %q", c.CheckID, ErrServiceNotFound, c.ServiceID)
	}
	return appendRow(&d.checks, joinKey(c.Node, c.CheckID), &c)
}

func readKV(d *db, raw []byte) error {
	var e KVPair
	if err := decodeStrict(raw, &e); err != nil {
		return err
	}
	if _, ok := d.sessions.get(e.Session); e.Session != "" && !ok {
		return fmt.Errorf("key %q: %w: %q", e.Key, ErrSessionNotFound, e.Session)
	}
	return appendRow(&d.kvs, e.Key, &e)
}

func writeSessions(d *db, emit func(any) error) error {
	return writeRows(&d.sessions, emit, func(_ string, sess *Session) any { return sess })
}

func readSession(d *db, raw []byte) error {
	var sess Session
	if err := decodeStrict(raw, &sess); err != nil {
		return err
	}
	if sess.ID == "" {
		return ErrMissingSessionID
	}
	if hasNUL(sess.ID) {
		return ErrBadName
	}
	if _, ok := d.nodes.get(sess.Node); !ok {
		return fmt.Errorf("session %q: %w: %q", sess.ID, ErrNodeNotFound, sess.Node)
	}
	for _, id := range sess.checkIDs() {
		if _, ok := d.checks.get(joinKey(sess.Node, id)); !ok {
			return fmt.Errorf("session %q: %w: %q", sess.ID, ErrCheckNotFound, id)
		}
	}
	return appendRow(&d.sessions, sess.ID, &sess)
}

// lockDelayRecord is one key's lock-delay.
type lockDelayRecord struct {
	Key   string
	Until Timestamp
}

func writeLockDelays(d *db, emit func(any) error) error {
	return writeRows(&d.lockDelays, emit, func(k string, until Timestamp) any {
		return lockDelayRecord{Key: k, Until: until}
	})
}

func readLockDelay(d *db, raw []byte) error {
	var r lockDelayRecord
	if err := decodeStrict(raw, &r); err != nil {
		return err
	}
	return appendRow(&d.lockDelays, r.Key, r.Until)
}

// rebuildSessionIndexes derives the by-node and held-key indexes of
// sessions after a restore.
func rebuildSessionIndexes(d *db) {
	for id := range d.sessions.all() {
		d.nodeSessions.put(joinKey(d.sessions.at(id).Node, id), struct{}{})
	}
	for key := range d.kvs.all() {
		if sess := d.kvs.at(key).Session; sess != "" {
			d.sessionKeys.put(joinKey(sess, key), struct{}{})
		}
	}
}

// indexRecord is one entry of a name → index table.
type indexRecord struct {
	Name  string
	Index uint64
}

// indexTable is the section of a name → index table.
func indexTable(name string, table func(*db) *ordered[uint64]) tableDef {
	return tableDef{
		name:  name,
		count: func(d *db) int { return table(d).len() },
		write: func(d *db, emit func(any) error) error {
			return writeRows(table(d), emit, func(k string, idx uint64) any { return indexRecord{Name: k, Index: idx} })
		},
		read: func(d *db, raw []byte) error {
			var r indexRecord
			if err := decodeStrict(raw, &r); err != nil {
				return err
			}
			return appendRow(table(d), r.Name, r.Index)
		},
	}
}

// appendRecord appends the encoding of one snapshot record to b: JSON,
// with map keys sorted by encoding/json so that equal states encode to
// equal bytes. KV pairs, most of a large snapshot, are encoded without
// reflection (AppendJSON), to the same bytes.
func appendRecord(b []byte, v any) ([]byte, error) {
	if p, ok := v.(*KVPair); ok {
		return p.AppendJSON(b), nil
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}
