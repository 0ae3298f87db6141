// Package wal is the durable storage of a cairn Raft server: the log, the
// hard state (term, vote, commit) and the state machine's snapshots.
//
// Raft's safety rests on a few things surviving a crash (Raft paper, Figure
// 2, "persistent state on all servers"): a server must not forget the term
// it saw or the vote it cast, or it could vote twice in one term; and it
// must not forget entries it acknowledged, or a committed entry could
// vanish from a majority. The Raft core (package raft) keeps its log in
// memory and hands out, in each Ready, what must be made durable before the
// Ready's messages are sent. This package makes it durable, and at boot
// gives the core back what it made durable. Everything is written against
// netsim.Disk, so the same code runs on real files (internal/osenv) and on
// the simulator's disk, which loses unsynced writes, tears the last one and
// flips bits.
//
// # The driver's contract
//
//	w, state, err := wal.Open(disk, "raft", logger)  // build the core from state
//	for each Ready rd:
//	    w.Save(rd.HardState, rd.Entries)  // buffered, not yet durable
//	    w.Sync()                          // one fsync for the whole Ready
//	    send rd.Messages                  // only now: they may depend on it
//	after a local snapshot:   w.SaveSnapshot(meta, fsmSnapshot)
//	                      or  w.WriteSnapshot(meta, fsmSnapshot)  // beside the loop
//	                          then w.SnapshotWritten(meta)        // back on it
//	on InstallSnapshot:       w.InstallSnapshot(stream)  // the file format, from Snapshot.Raw
//	                      or  w.InstallSnapshotData(meta, data)
//	to send a snapshot:       snap, _ := w.Snapshots().OpenLatest(); send snap.Raw()
//	to restore the FSM:       fsm.Restore(snap.Data())
//
// Save and Append only write into the open segment; Sync is the single
// durability point. A driver that calls Append for several Readys and Sync
// once gets group commit: one fsync covers every record appended since the
// last one. Stats counts records, bytes and fsyncs, so entries per fsync is
// Stats().EntriesAppended / Stats().Syncs.
//
// # Directory layout
//
//	<dir>/hardstate                     term, vote, commit
//	<dir>/log/<first index, 20 digits>.seg
//	<dir>/snapshots/<index>-<term>.snap (20 digits each)
//	<dir>/peers.json                    written by an operator, see ReadPeers
//
// Every file begins with an 8-byte magic and a 2-byte format version; this
// is format version 1 of all three kinds. Integers are little-endian. All
// checksums are CRC32C (Castagnoli). testdata/v1 holds files of version 1
// that a test reads, so later versions keep reading them.
//
// # Segment files (log/*.seg)
//
// The log is split into segments so that compaction deletes whole files
// instead of rewriting one. A segment is named by the index of its first
// entry, and a new one is started when the open one passes the size limit
// (WithSegmentBytes, 64 MiB by default).
//
//	header, 24 bytes:
//	  0   8  magic "CAIRNLOG"
//	  8   2  format version = 1
//	  10  2  reserved, 0
//	  12  8  index of the first entry (equal to the file name)
//	  20  4  CRC32C of bytes 0..19
//	then records, back to back:
//	  0   4  body length L (18 + data length)
//	  4   4  CRC32C of bytes 0..3 and of the L body bytes
//	  8   1  record kind = 1 (one raft.Entry)
//	  9   8  entry index
//	  17  8  entry term
//	  25  1  entry type
//	  26  L-18  entry data (at most MaxEntryDataBytes)
//
// The records of a segment have consecutive indexes starting at the
// header's. The CRC covers the length too, so a damaged length is caught
// like damaged data.
//
// When the core replaces a conflicting suffix (Append with an index that is
// already stored, Raft §5.3), the WAL cuts the files physically instead of
// writing a marker: it removes every later segment and syncs the directory,
// then truncates the segment holding the first replaced index at that
// record's offset and appends the new records after it. Removing the later
// segments durably first means recovery can never find a stale segment
// after a rewritten one; the truncation itself becomes durable with the
// next Sync (or segment roll), and until then a crash brings back the old
// entries. In general a crash leaves a prefix of the log as it stood at
// some moment since the last Sync, never a mix of two moments, and never
// shorter than what was synced and not replaced since (crash_test.go checks
// exactly this). Each such state is one the server really had, and nothing
// after the last Sync was acknowledged.
//
// # Hard state file (hardstate)
//
//	0   8  magic "CAIRNHST"
//	8   2  format version = 1
//	10  2  length V of the vote
//	12  8  term
//	20  8  commit index
//	28  V  vote, a raft.ServerID ("" when none)
//	28+V 4 CRC32C of bytes 0..27+V
//
// The hard state lives in its own small file, replaced atomically (write
// hardstate.tmp, fsync it, rename it over hardstate, fsync the directory),
// and not as records in the log. Records would share the log's fsync, but
// they would then live in segments that truncation and compaction remove,
// so each of those would have to rewrite the latest hard state first, with
// a window in which a durable vote could be lost. A separate file has no
// such coupling, and its cost is small because it is written only when the
// term or the vote changes, which happens once per election. The commit
// index is volatile in Raft (a restarted server learns it again from the
// leader), so a change of commit alone is not worth an fsync: it is written
// along with the next term or vote change, at Compact and at Close.
// Recovery raises the commit index to the snapshot's index and lowers it to
// the last recovered entry.
//
// Sync fsyncs the log before it replaces the hard state file, so the
// durable commit index never points past the durable log.
//
// # Snapshot files (snapshots/*.snap)
//
//	header:
//	  0   8  magic "CAIRNSNP"
//	  8   2  format version = 1
//	  10  2  reserved, 0
//	  12  4  length M of the meta
//	  16  M  meta: index (8), term (8), server count (4), then per server
//	         ID length (2), ID, address length (2), address, suffrage (1)
//	  16+M 4 CRC32C of bytes 0..15+M
//	data: the state machine's bytes, as its SnapshotWriter wrote them
//	trailer, the last 16 bytes:
//	  0   8  data length D
//	  8   4  CRC32C of the D data bytes
//	  12  4  magic "SNPE"
//
// The data checksum is in a trailer because files only append: the data is
// streamed from the state machine straight to the file and its checksum is
// known only at the end. A snapshot is written to a temporary file, fsynced,
// renamed into place and the directory fsynced; the store keeps the newest
// few (WithSnapshotsRetained, 2 by default). Opening one verifies both
// checksums by streaming through the file once, then streams the data again
// for the state machine (Snapshot.Data) or the whole file for a follower
// (Snapshot.Raw), whose SnapshotStore.Install verifies the received bytes in
// a temporary file before renaming them into place. Nothing is held in
// memory whole.
//
// After a snapshot, Compact removes the segments whose entries all lie at
// or below the snapshot's index minus a number of trailing entries
// (WithTrailingEntries, 10,240 by default), so that a follower lagging by
// less can still be caught up from the log.
//
// # What is synced when, and why a torn tail is allowed
//
//   - Records: written into the page cache by Append, made durable by Sync
//     (one fsync of the open segment).
//   - A new segment: the old segment is fsynced, then the new file is
//     created, its header written and fsynced, and the log directory
//     fsynced, all before its first record. So only the last segment can
//     hold unsynced records, and a segment with records has a durable
//     header.
//   - Removed segments (truncation, compaction, reset for a snapshot): the
//     directory is fsynced after the removals, before anything that relies
//     on them is written.
//   - Hard state and snapshots: the atomic replace above.
//
// A crash can therefore damage only what was written after the last Sync,
// and that is always at the end of the last segment: the records of a
// Ready that was never acknowledged. Cutting such a torn tail off loses
// nothing anyone relied on. Everything before the tail was fsynced: damage
// there means the storage broke a promise (a flipped bit, a lost sector),
// and silently dropping it could drop an acknowledged, even committed,
// entry. So recovery cuts a torn tail and refuses everything else. The one
// case it cannot tell apart is damage to the very last record after it was
// synced: that looks exactly like a torn write and is cut, as in etcd's
// and hashicorp's WALs.
//
// # Recovery (Open)
//
//  1. Remove leftover temporary files of interrupted atomic writes.
//  2. Read the hard state (missing: zero; damaged: ErrCorrupt).
//  3. Find the newest snapshot whose checksums verify; damaged newer ones
//     are logged and skipped.
//  4. Read the segments in index order. A last segment shorter than its
//     header was being created at the crash and is removed. Each segment's
//     records are decoded until the first one that fails (short, bad
//     length, bad CRC, unknown kind, or an index out of sequence). If that
//     happens in the last segment and no valid record can be found at any
//     later byte offset, it is a torn tail: the file is truncated to the
//     last good record and the cut fsynced, with a warning. Otherwise it is
//     ErrCorrupt, naming the file and offset.
//  5. Check that the segments join without gaps or overlaps. Segments
//     before a gap that the snapshot covers are leftovers of an
//     interrupted compaction or reset and are removed; any other gap is
//     ErrCorrupt, as is a log starting after the snapshot's index + 1.
//  6. Fit the log to the snapshot (Raft §7): if the log holds the
//     snapshot's last entry with the snapshot's term, the entries after it
//     are kept; otherwise the whole log is obsolete and removed, and an
//     empty segment starts at the snapshot's index + 1.
//  7. Return the hard state, the snapshot's meta and the entries after it.
//
// # Files
//
//   - wal.go: the WAL type, options, Open, the recovered State, counters.
//   - append.go: Save, Append (with suffix replacement), Sync, segment roll.
//   - recover.go: the recovery algorithm above.
//   - compact.go: Compact, SaveSnapshot, InstallSnapshot(Data), and fitting
//     the log to a received snapshot.
//   - record.go, segment.go: the record and segment formats and the scanner.
//   - hardstate.go: the hard state file.
//   - durable.go: atomic replace, durable rename and mkdir, temp cleanup.
//   - snapshot.go, snapstore.go: the snapshot format and the snapshot store.
//   - peers.go: peers.json, Consul's outage-recovery file.
//
// Tests: crash_test.go runs seeded workloads on netsim's disk with torn
// writes, crashing between operations and at every kind of disk operation
// (crashdisk_test.go), and checks that only unsynced data is ever lost;
// testdata/v1 pins the version 1 formats; every decoder has a fuzz target.
package wal
