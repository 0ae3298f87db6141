package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// String renders the configuration one "Field.Path = value" line per leaf,
// in a fixed order, with secrets shown as "hidden". It is safe to log and
// equal for equal configurations, so it doubles as a fingerprint to tell
// whether a reload changed anything visible.
func (c *Config) String() string {
	var sb strings.Builder
	dump(&sb, "", reflect.ValueOf(*c))
	return sb.String()
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	secretType   = reflect.TypeFor[Secret]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// dump writes v, found at path, to sb.
func dump(sb *strings.Builder, path string, v reflect.Value) {
	switch {
	case v.Type() == secretType:
		fmt.Fprintf(sb, "%s = %q\n", path, v.Interface().(Secret).String())
	case v.Type() == durationType:
		fmt.Fprintf(sb, "%s = %s\n", path, v.Interface().(time.Duration))
	case v.Type().Implements(stringerType):
		fmt.Fprintf(sb, "%s = %s\n", path, v.Interface().(fmt.Stringer).String())
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			dump(sb, child(path, v.Type().Field(i).Name), v.Field(i))
		}
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			fmt.Fprintf(sb, "%s = []\n", path)
		}
		for i := range v.Len() {
			dump(sb, index(path, i), v.Index(i))
		}
	case v.Kind() == reflect.Map:
		dumpMap(sb, path, v)
	case v.Kind() == reflect.String:
		fmt.Fprintf(sb, "%s = %q\n", path, v.String())
	default:
		fmt.Fprintf(sb, "%s = %v\n", path, v.Interface())
	}
}

// dumpMap writes a map's entries in key order.
func dumpMap(sb *strings.Builder, path string, v reflect.Value) {
	if v.Len() == 0 {
		fmt.Fprintf(sb, "%s = {}\n", path)
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	for _, k := range keys {
		dump(sb, fmt.Sprintf("%s[%q]", path, k.String()), v.MapIndex(k))
	}
}
