package main

import (
	"fmt"
	"io"
	"strings"
)

// completionNode is one level of the command tree that shell completion
// offers: the words at this level and, for group commands, their
// subcommands.
type completionNode struct {
	cmd  command
	subs []completionNode
}

// completionTree returns the top-level commands with their subcommands.
func completionTree() []completionNode {
	groups := map[string][]command{
		"kv":       kvCommands(),
		"catalog":  catalogCommands(),
		"operator": operatorCommands(),
		"acl":      aclCommands(),
		"policy":   policyCommands(),
		"token":    tokenCommands(),
		"snapshot": snapshotCommands(),
		"raft":     raftCommands(),
		"tls":      tlsCommands(),
		"ca":       tlsCACommands(),
		"cert":     tlsCertCommands(),
		"completion": {
			{"bash", "Print the bash completion script", nil},
			{"zsh", "Print the zsh completion script", nil},
			{"fish", "Print the fish completion script", nil},
		},
	}
	var build func(cs []command) []completionNode
	build = func(cs []command) []completionNode {
		nodes := make([]completionNode, len(cs))
		for i, c := range cs {
			nodes[i] = completionNode{cmd: c, subs: build(groups[c.name])}
		}
		return nodes
	}
	return build(commands())
}

const completionUsage = "Usage: cairn completion bash|zsh|fish"

// runCompletion prints a completion script for the named shell, e.g.
// `source <(cairn completion bash)`.
func runCompletion(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, completionUsage)
		return 1
	}
	tree := completionTree()
	switch args[0] {
	case "bash":
		fmt.Fprint(stdout, bashCompletion(tree))
	case "zsh":
		fmt.Fprint(stdout, zshCompletion(tree))
	case "fish":
		fmt.Fprint(stdout, fishCompletion(tree))
	default:
		fmt.Fprintf(stderr, "cairn: completion: unknown shell %q\n%s\n", args[0], completionUsage)
		return 1
	}
	return 0
}

// names returns the command names of one tree level, space-separated.
func names(nodes []completionNode) string {
	ns := make([]string, len(nodes))
	for i, n := range nodes {
		ns[i] = n.cmd.name
	}
	return strings.Join(ns, " ")
}

// completionPaths walks the tree and calls visit with each group's path
// of words (e.g. "operator raft") and its children.
func completionPaths(prefix []string, nodes []completionNode, visit func(path []string, children []completionNode)) {
	visit(prefix, nodes)
	for _, n := range nodes {
		if len(n.subs) > 0 {
			completionPaths(append(append([]string(nil), prefix...), n.cmd.name), n.subs, visit)
		}
	}
}

// bashCompletion completes the words typed so far, joined by spaces,
// against a case of every group path.
func bashCompletion(tree []completionNode) string {
	var b strings.Builder
	b.WriteString("# bash completion for cairn; load with: source <(cairn completion bash)\n")
	b.WriteString("_cairn() {\n")
	b.WriteString("    local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n")
	b.WriteString("    local path=\"${COMP_WORDS[*]:1:COMP_CWORD-1}\"\n")
	b.WriteString("    local words=\"\"\n")
	b.WriteString("    case \"$path\" in\n")
	completionPaths(nil, tree, func(path []string, children []completionNode) {
		fmt.Fprintf(&b, "        %s) words=%s ;;\n", shellQuote(strings.Join(path, " ")), shellQuote(names(children)))
	})
	b.WriteString("    esac\n")
	b.WriteString("    COMPREPLY=( $(compgen -W \"$words\" -- \"$cur\") )\n")
	b.WriteString("}\n")
	b.WriteString("complete -F _cairn cairn\n")
	return b.String()
}

// zshCompletion describes each group's children with their synopses.
func zshCompletion(tree []completionNode) string {
	var b strings.Builder
	b.WriteString("#compdef cairn\n")
	b.WriteString("# zsh completion for cairn; load with: source <(cairn completion zsh)\n")
	b.WriteString("_cairn() {\n")
	b.WriteString("    local -a cmds\n")
	b.WriteString("    case \"${(j: :)words[2,CURRENT-1]}\" in\n")
	completionPaths(nil, tree, func(path []string, children []completionNode) {
		fmt.Fprintf(&b, "        %s) cmds=(", shellQuote(strings.Join(path, " ")))
		for i, n := range children {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(shellQuote(n.cmd.name + ":" + n.cmd.synopsis))
		}
		b.WriteString(") ;;\n")
	})
	b.WriteString("        *) return 1 ;;\n")
	b.WriteString("    esac\n")
	b.WriteString("    _describe 'command' cmds\n")
	b.WriteString("}\n")
	b.WriteString("compdef _cairn cairn\n")
	return b.String()
}

// fishCompletion offers each group's children once the words of its path
// have been typed and none of the children has.
func fishCompletion(tree []completionNode) string {
	var b strings.Builder
	b.WriteString("# fish completion for cairn; load with: cairn completion fish | source\n")
	b.WriteString("complete -c cairn -f\n")
	completionPaths(nil, tree, func(path []string, children []completionNode) {
		cond := "__fish_use_subcommand"
		if len(path) > 0 {
			cond = fmt.Sprintf("__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s",
				path[len(path)-1], names(children))
		}
		for _, n := range children {
			fmt.Fprintf(&b, "complete -c cairn -n %s -a %s -d %s\n",
				shellQuote(cond), shellQuote(n.cmd.name), shellQuote(n.cmd.synopsis))
		}
	})
	return b.String()
}

// shellQuote single-quotes s for sh, zsh and fish.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
