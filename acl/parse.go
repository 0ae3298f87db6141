package acl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
	hcltoken "github.com/hashicorp/hcl/hcl/token"
)

// rulesMaxBytes bounds the rule text a policy may carry. Consul has no
// documented limit; this one only keeps a hostile request from making the
// parser allocate without bound.
const rulesMaxBytes = 1 << 20

// namedBlocks maps every block name of the rule language to its resource and
// whether it is the prefix form.
var namedBlocks = map[string]struct {
	resource Resource
	prefix   bool
}{
	"key": {ResourceKey, false}, "key_prefix": {ResourceKey, true},
	"service": {ResourceService, false}, "service_prefix": {ResourceService, true},
	"node": {ResourceNode, false}, "node_prefix": {ResourceNode, true},
	"agent": {ResourceAgent, false}, "agent_prefix": {ResourceAgent, true},
	"event": {ResourceEvent, false}, "event_prefix": {ResourceEvent, true},
	"session": {ResourceSession, false}, "session_prefix": {ResourceSession, true},
	"query": {ResourceQuery, false}, "query_prefix": {ResourceQuery, true},
}

// scalarNames maps the scalar resources to their rule names.
var scalarNames = map[string]Scalar{
	"acl": ScalarACL, "operator": ScalarOperator, "keyring": ScalarKeyring,
	"mesh": ScalarMesh, "peering": ScalarPeering,
}

// ParseRules parses a policy's rule text, in HCL or in JSON (hcl picks the
// JSON parser when the text starts with "{"), into a [Ruleset]. Every error
// wraps [ErrInvalidRules]; errors in HCL text name the line (hcl's JSON
// parser records no positions, so JSON errors name the block instead). An
// empty text is a valid, empty ruleset.
func ParseRules(text string) (rs *Ruleset, err error) {
	if len(text) > rulesMaxBytes {
		return nil, fmt.Errorf("%w: rules are %d bytes, more than the limit of %d", ErrInvalidRules, len(text), rulesMaxBytes)
	}
	file, err := parseHCL(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRules, err)
	}
	rs = &Ruleset{}
	list, ok := file.Node.(*ast.ObjectList)
	if !ok {
		return nil, fmt.Errorf("%w: the rules must be an object", ErrInvalidRules)
	}
	for _, item := range list.Items {
		keys, err := itemKeys(item)
		if err != nil {
			return nil, err
		}
		if err := rs.addItem(keys, item.Val, item.Pos()); err != nil {
			return nil, err
		}
	}
	rs.normalize()
	return rs, nil
}

// parseHCL runs the hcl parser. hcl v1 panics in some internal paths
// instead of returning an error (its scanner and its token values say so in
// their comments); rule text comes from users, so a panic there becomes an
// error instead of taking the server down.
func parseHCL(text string) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("malformed rules: %v", r)
		}
	}()
	return hcl.Parse(text)
}

// addItem interprets one item whose keys so far are keys (the first is the
// resource) and whose value is val.
func (rs *Ruleset) addItem(keys []string, val ast.Node, pos hcltoken.Pos) error {
	name := keys[0]
	if s, ok := scalarNames[name]; ok {
		return rs.addScalar(s, keys, val, pos)
	}
	block, ok := namedBlocks[name]
	if !ok {
		return invalid(pos, "unknown resource %q", name)
	}
	switch len(keys) {
	case 1:
		return rs.addNested(keys, val, pos)
	case 2:
		return forEachObject(val, pos, keys, func(obj *ast.ObjectType) error {
			return rs.addNamed(block.resource, block.prefix, keys, obj, pos)
		})
	}
	return invalid(pos, "%s %q: unexpected nested block %q", name, keys[1], keys[2])
}

// addNested handles `resource { "name" { … } }` (the JSON form before hcl
// flattens it, or a block with no name), descending one level.
func (rs *Ruleset) addNested(keys []string, val ast.Node, pos hcltoken.Pos) error {
	return forEachObject(val, pos, keys, func(obj *ast.ObjectType) error {
		for _, inner := range obj.List.Items {
			innerKeys, err := itemKeys(inner)
			if err != nil {
				return err
			}
			all := append(append([]string{}, keys...), innerKeys...)
			if err := rs.addItem(all, inner.Val, inner.Pos()); err != nil {
				return err
			}
		}
		return nil
	})
}

// forEachObject calls fn with val if it is an object, or with each element if
// it is a list of objects (JSON's way of repeating a block).
func forEachObject(val ast.Node, pos hcltoken.Pos, keys []string, fn func(*ast.ObjectType) error) error {
	switch v := val.(type) {
	case *ast.ObjectType:
		return fn(v)
	case *ast.ListType:
		for _, elem := range v.List {
			obj, ok := elem.(*ast.ObjectType)
			if !ok {
				return invalid(pos, "%s: expected a block", strings.Join(keys, " "))
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid(pos, "%s: expected a block", strings.Join(keys, " "))
}

// addScalar records `operator = "read"` and its kin.
func (rs *Ruleset) addScalar(s Scalar, keys []string, val ast.Node, pos hcltoken.Pos) error {
	if len(keys) != 1 {
		return invalid(pos, "%s takes a policy, not a block", s)
	}
	lit, ok := val.(*ast.LiteralType)
	if !ok {
		return invalid(pos, "%s takes a policy string", s)
	}
	text, err := tokenString(lit.Token)
	if err != nil {
		return invalid(pos, "%s: %v", s, err)
	}
	access, err := parseAccess(text, false)
	if err != nil {
		return invalid(pos, "invalid %s policy: %v", s, err)
	}
	rs.Scalars[s] = rs.Scalars[s].merge(access)
	return nil
}

// addNamed records one named rule from the body of its block.
func (rs *Ruleset) addNamed(res Resource, prefix bool, keys []string, obj *ast.ObjectType, pos hcltoken.Pos) error {
	block := keys[0] + " " + strconv.Quote(keys[1])
	var policy, intentions string
	for _, field := range obj.List.Items {
		fieldKeys, err := itemKeys(field)
		if err != nil {
			return err
		}
		lit, ok := field.Val.(*ast.LiteralType)
		if len(fieldKeys) != 1 || !ok {
			return invalid(field.Pos(), "%s: unexpected field %q", block, strings.Join(fieldKeys, " "))
		}
		text, err := tokenString(lit.Token)
		if err != nil {
			return invalid(field.Pos(), "%s: %v", block, err)
		}
		switch {
		case fieldKeys[0] == "policy":
			policy = text
		case fieldKeys[0] == "intentions" && res == ResourceService:
			intentions = text
		default:
			return invalid(field.Pos(), "%s: unknown field %q", block, fieldKeys[0])
		}
	}
	access, err := parseAccess(policy, res == ResourceKey)
	if err != nil {
		return invalid(pos, "invalid %s policy: %v", block, err)
	}
	rs.Rules = append(rs.Rules, Rule{Resource: res, Name: keys[1], Prefix: prefix, Access: access})
	if res == ResourceService {
		return rs.addIntentions(keys[1], prefix, access, intentions, block, pos)
	}
	return nil
}

// addIntentions records the intentions level of a service rule. When the
// rule does not say, Consul grants intentions:read with service read or
// write, and denies it otherwise.
func (rs *Ruleset) addIntentions(name string, prefix bool, service Access, text, block string, pos hcltoken.Pos) error {
	access := AccessDeny
	if text == "" {
		if service == AccessRead || service == AccessWrite {
			access = AccessRead
		}
	} else {
		var err error
		if access, err = parseAccess(text, false); err != nil {
			return invalid(pos, "invalid %s intentions: %v", block, err)
		}
	}
	rs.Rules = append(rs.Rules, Rule{Resource: ResourceIntention, Name: name, Prefix: prefix, Access: access})
	return nil
}

// parseAccess turns a policy word into an [Access]; list is valid only where
// listOK (key rules).
func parseAccess(text string, listOK bool) (Access, error) {
	switch text {
	case "read":
		return AccessRead, nil
	case "write":
		return AccessWrite, nil
	case "deny":
		return AccessDeny, nil
	case "list":
		if listOK {
			return AccessList, nil
		}
		return AccessUnset, fmt.Errorf("%q is allowed only for key and key_prefix rules", text)
	case "":
		return AccessUnset, fmt.Errorf("missing policy")
	}
	return AccessUnset, fmt.Errorf("%q is not one of read, write, deny, list", text)
}

// itemKeys returns the unquoted keys of an item.
func itemKeys(item *ast.ObjectItem) ([]string, error) {
	if len(item.Keys) == 0 {
		return nil, invalid(item.Pos(), "item without a name")
	}
	keys := make([]string, len(item.Keys))
	for i, k := range item.Keys {
		s, err := tokenString(k.Token)
		if err != nil {
			return nil, invalid(k.Pos(), "%v", err)
		}
		keys[i] = s
	}
	return keys, nil
}

// tokenString returns the string an identifier or a quoted string token
// stands for. hcl's own Token.Value panics on malformed input, so strings are
// unquoted here with an error instead.
func tokenString(tok hcltoken.Token) (string, error) {
	switch tok.Type {
	case hcltoken.IDENT:
		return tok.Text, nil
	case hcltoken.STRING:
		if tok.JSON && tok.Text == "" {
			return "", nil
		}
		s, err := strconv.Unquote(tok.Text)
		if err != nil {
			return "", fmt.Errorf("malformed string %s", tok.Text)
		}
		return s, nil
	}
	return "", fmt.Errorf("expected a string, found %s", tok.Text)
}

// invalid builds a parse error that wraps ErrInvalidRules and names the line
// when the position is known.
func invalid(pos hcltoken.Pos, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if pos.Line > 0 {
		return fmt.Errorf("%w: line %d: %s", ErrInvalidRules, pos.Line, msg)
	}
	return fmt.Errorf("%w: %s", ErrInvalidRules, msg)
}
