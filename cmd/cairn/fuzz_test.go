package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzKVImportDocument feeds arbitrary documents to the import decoder:
// it must never panic, and whatever it accepts must survive the export
// encoding and decode again to the same entries.
func FuzzKVImportDocument(f *testing.F) {
	f.Add(`[{"key":"app/a","flags":0,"value":"MQ=="}]`)
	f.Add(`[{"key":"app/b","flags":18446744073709551615,"value":""}]`)
	f.Add(`[]`)
	f.Add(`{"key":"x"}`)
	f.Add(`[{"key":1}]`)
	f.Fuzz(func(t *testing.T, doc string) {
		entries, err := parseKVEntries([]byte(doc))
		if err != nil {
			return
		}
		for _, e := range entries {
			base64.StdEncoding.DecodeString(e.Value)
		}
		out, err := json.MarshalIndent(entries, "", "\t")
		require.NoError(t, err)
		again, err := parseKVEntries(out)
		require.NoError(t, err)
		require.Equal(t, len(entries), len(again))
		for i := range entries {
			require.Equal(t, entries[i].Flags, again[i].Flags)
			require.Equal(t, strings.ToValidUTF8(entries[i].Key, "\uFFFD"), again[i].Key)
		}
	})
}

// FuzzMembersAnswer feeds arbitrary /v1/agent/members bodies through the
// decoder and both table layouts: no panic, and one row per member plus
// the header.
func FuzzMembersAnswer(f *testing.F) {
	f.Add(threeMembers)
	f.Add(`[{"Name":"x","Addr":"::1","Port":8301,"Tags":null,"Status":-3}]`)
	f.Add(`[{"Name":"","Addr":"not an ip","Tags":{"role":"consul","ap":"p1","build":":"}}]`)
	f.Fuzz(func(t *testing.T, body string) {
		var members []agentMember
		if decodeJSON([]byte(body), &members) != nil {
			return
		}
		for i := range members {
			members[i] = normalizeMemberTags(members[i])
		}
		sortMembers(members)
		for _, rows := range [][][]string{memberRows(members), detailedMemberRows(members)} {
			require.Len(t, rows, len(members)+1)
			formatColumns(rows)
		}
	})
}

// FuzzCoordinatesAnswer feeds arbitrary /v1/coordinate/nodes bodies to
// the decoder, the segment choice and the distance: no panic, and an
// error rather than a result for coordinates of different sizes.
func FuzzCoordinatesAnswer(f *testing.F) {
	f.Add(coordinateNodes, "n1", "n2")
	f.Add(`[{"Node":"a","Coord":{"Vec":[1]}},{"Node":"b","Coord":{"Vec":[1,2]}}]`, "a", "b")
	f.Add(`[{"Node":"a","Coord":null},{"Node":"a","Segment":"s","Coord":{"Vec":[]}}]`, "a", "a")
	f.Fuzz(func(t *testing.T, body, n1, n2 string) {
		var entries []coordinateEntry
		if decodeJSON([]byte(body), &entries) != nil {
			return
		}
		c1, c2 := intersectCoordinates(coordinatesOf(entries, n1), coordinatesOf(entries, n2))
		if c1 == nil || c2 == nil {
			return
		}
		_, err := c1.distanceTo(*c2)
		if len(c1.Vec) != len(c2.Vec) {
			require.ErrorIs(t, err, errDimensions)
		} else {
			require.NoError(t, err)
		}
	})
}
