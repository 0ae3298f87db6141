package raft

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func sampleMessages() []Message {
	return []Message{
		{Type: MsgVote, From: "s1", To: "s2", Term: 3, Index: 7, LogTerm: 2, Transfer: true},
		{Type: MsgApp, From: "s1", To: "s2", Term: 3, Index: 7, LogTerm: 2, Commit: 6, Entries: []Entry{
			{Index: 8, Term: 3, Type: EntryCommand, Data: []byte("put x")},
			{Index: 9, Term: 3, Type: EntryConfig, Data: EncodeConfiguration(votersConfig("s1", "s2"))},
			{Index: 10, Term: 3, Type: EntryNoop},
		}},
		{Type: MsgAppResp, From: "s2", To: "s1", Term: 3, Index: 7, LogTerm: 2, Reject: true, RejectHint: 4},
		{Type: MsgHeartbeat, From: "s1", To: "s2", Term: 3, Commit: 5, Context: []byte{0, 0, 0, 0, 0, 0, 0, 1}},
		{Type: MsgSnap, From: "s1", To: "s3", Term: 4, Snapshot: &SnapshotMeta{Index: 100, Term: 3,
			Config: Configuration{Servers: []Server{{ID: "s1", Address: "a:1"}, {ID: "s3", Address: "c:1", Suffrage: Learner}}}}},
	}
}

func TestMessageRoundTripsThroughCodec(t *testing.T) {
	for _, m := range sampleMessages() {
		b, err := m.MarshalBinary()
		require.NoError(t, err)
		var got Message
		require.NoError(t, got.UnmarshalBinary(b))
		require.Equal(t, m, got)
		framed, err := m.AppendBinary([]byte("hd"))
		require.NoError(t, err)
		require.Equal(t, append([]byte("hd"), b...), framed, "AppendBinary keeps what b held and adds the same bytes")
	}
}

// The version-1 encoding is frozen: these bytes were written by version 1
// and must keep decoding to the same messages in every later release.
func TestMessageVersion1BytesStillDecode(t *testing.T) {
	golden := map[int]string{
		1: "010102733102733203020706000000030803000570757420780903021a01020273310773313a3833" +
			"3030000273320773323a38333030000a030100",
		4: "01090273310273330400000000040000640312010202733103613a310002733303633a3101",
	}
	for i, h := range golden {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		var got Message
		require.NoError(t, got.UnmarshalBinary(b))
		require.Equal(t, sampleMessages()[i], got)
	}
}

func TestMessageDecodeRejectsMalformedInput(t *testing.T) {
	m := sampleMessages()[1]
	good, err := m.MarshalBinary()
	require.NoError(t, err)
	bad := map[string][]byte{
		"empty":         nil,
		"wrong version": append([]byte{9}, good[1:]...),
		"unknown type":  append([]byte{MessageVersion, 99}, good[2:]...),
		"truncated":     good[:len(good)-3],
		"trailing":      append(append([]byte{}, good...), 0),
	}
	for name, b := range bad {
		var got Message
		err := got.UnmarshalBinary(b)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, ErrInvalidMessage), "%s: %v", name, err)
	}
}

func TestConfigurationDecodeRequiresSortedUniqueServers(t *testing.T) {
	c := votersConfig("s1", "s2", "s3")
	got, err := DecodeConfiguration(EncodeConfiguration(c))
	require.NoError(t, err)
	require.Equal(t, c, got)

	for name, bad := range map[string]Configuration{
		"unsorted":  votersConfig("s2", "s1"),
		"duplicate": votersConfig("s1", "s1"),
		"empty ID":  votersConfig(""),
		"suffrage":  {Servers: []Server{{ID: "s1", Suffrage: 7}}},
	} {
		_, err := DecodeConfiguration(EncodeConfiguration(bad))
		require.ErrorIs(t, err, ErrInvalidConfiguration, name)
	}
	_, err = DecodeConfiguration([]byte{2, 0})
	require.ErrorIs(t, err, ErrInvalidConfiguration, "unknown version")
}

// FuzzMessageDecode checks that no input makes the decoder panic, and that
// whatever decodes re-encodes to the same bytes.
func FuzzMessageDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := m.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{MessageVersion, byte(MsgApp), 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if m.UnmarshalBinary(data) != nil {
			return
		}
		again, err := m.MarshalBinary()
		require.NoError(t, err)
		var m2 Message
		require.NoError(t, m2.UnmarshalBinary(again))
		require.Equal(t, m, m2)
	})
}

// FuzzConfigurationDecode checks that no input makes the configuration
// decoder panic and that a decoded configuration survives a round trip.
// (Varints may be non-minimal, so the bytes themselves need not match.)
func FuzzConfigurationDecode(f *testing.F) {
	f.Add(EncodeConfiguration(votersConfig("s1", "s2", "s3")))
	f.Add([]byte{ConfigurationVersion, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeConfiguration(data)
		if err != nil {
			return
		}
		again, err := DecodeConfiguration(EncodeConfiguration(c))
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}

// FuzzStepNeverPanics feeds decoded arbitrary messages into cores in every
// role: input from the network must be validated, never trusted.
func FuzzStepNeverPanics(f *testing.F) {
	for _, m := range sampleMessages() {
		b, _ := m.MarshalBinary()
		f.Add(b, uint8(0))
	}
	for _, m := range []Message{
		{Type: MsgAppResp, From: "s1", To: "s2", Term: 3, Index: 1 << 40},
		{Type: MsgAppResp, From: "s3", To: "s2", Term: 3, Index: 2, Reject: true, RejectHint: 1 << 40, LogTerm: 9},
		{Type: MsgHeartbeatResp, From: "s1", To: "s2", Term: 3, Context: []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{Type: MsgSnap, From: "s1", To: "s2", Term: 3, Snapshot: &SnapshotMeta{Index: 2, Term: 1}},
		{Type: MsgApp, From: "s1", To: "s2", Term: 3, Index: 0, LogTerm: 2},
		{Type: MsgApp, From: "s1", To: "s2", Term: 3, Index: 1, LogTerm: 3},
	} {
		b, _ := m.MarshalBinary()
		f.Add(b, uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, role uint8) {
		var m Message
		if m.UnmarshalBinary(data) != nil {
			return
		}
		n := newTestNode(t, "s2", three, 2, []uint64{1, 2, 2}, nil)
		switch role % 3 {
		case 1:
			n.Campaign()
		case 2:
			makeLeader(t, n)
		}
		m.To = "s2"
		_ = n.Step(m)
		drain(n)
	})
}
