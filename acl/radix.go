package acl

import (
	"slices"
	"strings"
)

// radixTree indexes the rules of one resource kind by name, so that a
// question costs O(len(name)) no matter how many rules a token carries. It is
// a compressed trie: each node holds the bytes of the edge from its parent,
// and a node exists wherever a rule is anchored or two names diverge. A node
// may carry an exact rule (for exactly the name spelled by the path to it), a
// prefix rule (for every name that starts with it), or both.
//
// A tree is built once (insert, then finish) and only read afterwards.
type radixTree struct {
	root radixNode
}

type radixNode struct {
	edge     string
	children []*radixNode // sorted by edge[0]; no two share a first byte
	exact    Access
	prefix   Access
	// nonWrite is true when some rule in this subtree (this node included)
	// grants less than write; KeyWritePrefix needs it.
	nonWrite bool
}

// insert adds a rule for name, merging it with a rule already anchored at the
// same name and form by [Access] precedence.
func (t *radixTree) insert(name string, prefix bool, access Access) {
	n := &t.root
	for name != "" {
		i, found := n.childIndex(name[0])
		if !found {
			child := &radixNode{edge: name}
			n.children = slices.Insert(n.children, i, child)
			n, name = child, ""
			break
		}
		child := n.children[i]
		common := commonPrefixLen(name, child.edge)
		if common < len(child.edge) {
			mid := &radixNode{edge: child.edge[:common], children: []*radixNode{child}}
			child.edge = child.edge[common:]
			n.children[i] = mid
			child = mid
		}
		n, name = child, name[common:]
	}
	if prefix {
		n.prefix = n.prefix.merge(access)
	} else {
		n.exact = n.exact.merge(access)
	}
}

// finish computes the nonWrite summaries; call it after the last insert.
func (t *radixTree) finish() {
	t.root.summarize()
}

func (n *radixNode) summarize() bool {
	n.nonWrite = isNonWrite(n.exact) || isNonWrite(n.prefix)
	for _, c := range n.children {
		if c.summarize() {
			n.nonWrite = true
		}
	}
	return n.nonWrite
}

func isNonWrite(a Access) bool {
	return a != AccessUnset && a != AccessWrite
}

// childIndex finds the child whose edge starts with b, or where it would go.
func (n *radixNode) childIndex(b byte) (int, bool) {
	return slices.BinarySearchFunc(n.children, b, func(c *radixNode, b byte) int {
		return int(c.edge[0]) - int(b)
	})
}

// walkPath visits the nodes whose path is a prefix of name, from the root
// down; last is true for the node whose path is name itself.
func (t *radixTree) walkPath(name string, visit func(n *radixNode, last bool)) {
	n := &t.root
	for {
		visit(n, name == "")
		if name == "" {
			return
		}
		i, found := n.childIndex(name[0])
		if !found || !strings.HasPrefix(name, n.children[i].edge) {
			return
		}
		n = n.children[i]
		name = name[len(n.edge):]
	}
}

// lookup returns the level that governs name: the exact rule for name if
// there is one, else the longest prefix rule that matches, else AccessUnset.
func (t *radixTree) lookup(name string) Access {
	best := AccessUnset
	t.walkPath(name, func(n *radixNode, last bool) {
		if n.prefix != AccessUnset {
			best = n.prefix
		}
		if last && n.exact != AccessUnset {
			best = n.exact
		}
	})
	return best
}

// longestPrefix returns the longest prefix rule that matches name, ignoring
// exact rules.
func (t *radixTree) longestPrefix(name string) Access {
	best := AccessUnset
	t.walkPath(name, func(n *radixNode, _ bool) {
		if n.prefix != AccessUnset {
			best = n.prefix
		}
	})
	return best
}

// nonWriteUnder reports whether any rule anchored at a name starting with
// prefix (exact or prefix form, prefix itself included) grants less than
// write.
func (t *radixTree) nonWriteUnder(prefix string) bool {
	n := &t.root
	for prefix != "" {
		i, found := n.childIndex(prefix[0])
		if !found {
			return false
		}
		child := n.children[i]
		if !strings.HasPrefix(prefix, child.edge) {
			// The prefix ends inside this edge or leaves it: only in the
			// first case does the child's subtree lie under the prefix.
			return strings.HasPrefix(child.edge, prefix) && child.nonWrite
		}
		n, prefix = child, prefix[len(child.edge):]
	}
	return n.nonWrite
}

func commonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
