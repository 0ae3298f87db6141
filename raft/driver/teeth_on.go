//go:build cairn_teeth

package driver

// The broken variants, switched on one at a time by teeth_test.go. See
// teeth_off.go for what each does.
var teethSendBeforeSync bool
