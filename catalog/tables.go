package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
)

// tableDef is one section of a snapshot. The registry below lists every
// table in snapshot order; a new table (sessions, ACL tokens and policies)
// plugs in by adding its rows to db, an entry here, and touchTable calls
// in its writes for table-wide watches.
type tableDef struct {
	name string
	// write emits the table's records in key order.
	write func(d *db, emit func(record any) error) error
	// read decodes one record into d. Records must arrive in strictly
	// increasing key order, which also rules out duplicates.
	read func(d *db, raw []byte) error
	// single says the section holds exactly one record.
	single bool
}

// tableDefs is the registry, in snapshot order. A table's rows may refer
// only to rows of tables before it (services to nodes, checks to services).
var tableDefs = []tableDef{
	{name: "meta", write: writeMeta, read: readMeta, single: true},
	{name: tableNodes, write: writeNodes, read: readNode},
	{name: tableServices, write: writeServices, read: readService},
	{name: tableChecks, write: writeChecks, read: readCheck},
	{name: tableKVs, write: writeKVs, read: readKV},
	{name: "kv_tombstones", write: indexWriter(func(d *db) *ordered[uint64] { return &d.kvTombstones }),
		read: indexReader(func(d *db) *ordered[uint64] { return &d.kvTombstones })},
	{name: "node_indexes", write: indexWriter(func(d *db) *ordered[uint64] { return &d.nodeIndexes }),
		read: indexReader(func(d *db) *ordered[uint64] { return &d.nodeIndexes })},
	{name: "service_indexes", write: indexWriter(func(d *db) *ordered[uint64] { return &d.serviceIndexes }),
		read: indexReader(func(d *db) *ordered[uint64] { return &d.serviceIndexes })},
}

// appendRow adds key at the end of t during a restore, refusing a key that
// does not sort after the previous one.
func appendRow[V any](t *ordered[V], key string, v V) error {
	if n := len(t.keys); n > 0 && t.keys[n-1] >= key {
		return fmt.Errorf("row %q out of order after %q", key, t.keys[n-1])
	}
	t.keys = append(t.keys, key)
	t.rows[key] = v
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

func writeNodes(d *db, emit func(any) error) error {
	for _, k := range d.nodes.keys {
		if err := emit(d.nodes.rows[k]); err != nil {
			return err
		}
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
	return appendRow(&d.nodes, n.Node, &n)
}

// serviceRecord is a service instance with the node it runs on.
type serviceRecord struct {
	Node    string
	Service *Service
}

func writeServices(d *db, emit func(any) error) error {
	for _, k := range d.services.keys {
		if err := emit(serviceRecord{Node: splitKey(k)[0], Service: d.services.rows[k]}); err != nil {
			return err
		}
	}
	return nil
}

func readService(d *db, raw []byte) error {
	var r serviceRecord
	if err := decodeStrict(raw, &r); err != nil {
		return err
	}
	if r.Service == nil || r.Service.ID == "" || r.Service.Service == "" {
		return ErrMissingServiceName
	}
	if _, ok := d.nodes.get(r.Node); !ok {
		return fmt.Errorf("service %q: %w: %q", r.Service.ID, ErrNodeNotFound, r.Node)
	}
	return appendRow(&d.services, joinKey(r.Node, r.Service.ID), r.Service)
}

// rebuildServiceNames derives the by-name index from the services table
// after a restore, sorting once instead of inserting row by row.
func rebuildServiceNames(d *db) {
	keys := make([]string, 0, d.services.len())
	for _, k := range d.services.keys {
		parts := splitKey(k)
		key := joinKey(d.services.rows[k].Service, parts[0], parts[1])
		keys = append(keys, key)
		d.serviceNames.rows[key] = struct{}{}
	}
	slices.Sort(keys)
	d.serviceNames.keys = keys
}

func writeChecks(d *db, emit func(any) error) error {
	for _, k := range d.checks.keys {
		if err := emit(d.checks.rows[k]); err != nil {
			return err
		}
	}
	return nil
}

func readCheck(d *db, raw []byte) error {
	var c HealthCheck
	if err := decodeStrict(raw, &c); err != nil {
		return err
	}
	if c.CheckID == "" {
		return ErrMissingCheckID
	}
	if _, ok := d.nodes.get(c.Node); !ok {
		return fmt.Errorf("check %q: %w: %q", c.CheckID, ErrNodeNotFound, c.Node)
	}
	if _, ok := d.services.get(joinKey(c.Node, c.ServiceID)); c.ServiceID != "" && !ok {
		return fmt.Errorf("check %q: %w: %q", c.CheckID, ErrServiceNotFound, c.ServiceID)
	}
	return appendRow(&d.checks, joinKey(c.Node, c.CheckID), &c)
}

func writeKVs(d *db, emit func(any) error) error {
	for _, k := range d.kvs.keys {
		if err := emit(d.kvs.rows[k]); err != nil {
			return err
		}
	}
	return nil
}

func readKV(d *db, raw []byte) error {
	var e KVPair
	if err := decodeStrict(raw, &e); err != nil {
		return err
	}
	return appendRow(&d.kvs, e.Key, &e)
}

// indexRecord is one entry of a name → index table.
type indexRecord struct {
	Name  string
	Index uint64
}

func indexWriter(table func(*db) *ordered[uint64]) func(*db, func(any) error) error {
	return func(d *db, emit func(any) error) error {
		t := table(d)
		for _, k := range t.keys {
			if err := emit(indexRecord{Name: k, Index: t.rows[k]}); err != nil {
				return err
			}
		}
		return nil
	}
}

func indexReader(table func(*db) *ordered[uint64]) func(*db, []byte) error {
	return func(d *db, raw []byte) error {
		var r indexRecord
		if err := decodeStrict(raw, &r); err != nil {
			return err
		}
		return appendRow(table(d), r.Name, r.Index)
	}
}

// encodeRecord is the encoding of one snapshot record. encoding/json writes
// map keys sorted, so equal states encode to equal bytes.
func encodeRecord(v any) ([]byte, error) {
	return json.Marshal(v)
}
