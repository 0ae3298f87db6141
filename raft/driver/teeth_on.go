//go:build cairn_teeth

package driver

// teethSendBeforeSync is the broken variant of teeth_off.go, switched on
// by SetTeeth.
var teethSendBeforeSync bool

// SetTeeth switches the broken variant on or off. It exists only in builds
// with the cairn_teeth tag; raft/simcluster's teeth tests use it.
func SetTeeth(sendBeforeSync bool) { teethSendBeforeSync = sendBeforeSync }
