package localtarget

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A small GraphQL reader for the emulated Analytics API: enough of the
// language for the queries pfx-tui (and a hand-written curl) sends —
// an optional operation with variable definitions, nested selections with
// arguments, aliases, and values (variables, strings, numbers, booleans,
// null, enums, lists, objects). Commas and # comments are ignored, as the
// GraphQL specification says. Fragments and directives are refused.

type gqlField struct {
	Alias, Name string
	Args        map[string]any
	Sel         []gqlField
}

// key is the field's name in the answer.
func (f gqlField) key() string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}

type gqlParser struct {
	src  string
	pos  int
	vars map[string]any
}

// parseGraphQL reads a document into its top selection, variables resolved.
func parseGraphQL(src string, vars map[string]any) ([]gqlField, error) {
	p := &gqlParser{src: src, vars: vars}
	p.skip()
	if word := p.peekName(); word == "query" {
		p.name()
		p.skip()
		if p.peekName() != "" {
			p.name()
		}
		p.skip()
		if p.peek() == '(' {
			if err := p.varDefs(); err != nil {
				return nil, err
			}
		}
	} else if word != "" {
		return nil, fmt.Errorf("only queries are served, not %q", word)
	}
	p.skip()
	sel, err := p.selection()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.pos < len(p.src) {
		return nil, p.errf("unexpected %q after the query", p.src[p.pos:min(len(p.src), p.pos+20)])
	}
	return sel, nil
}

func (p *gqlParser) errf(format string, a ...any) error {
	return fmt.Errorf("query contains error at offset %d: %s", p.pos, fmt.Sprintf(format, a...))
}

// skip passes whitespace, commas and comments.
func (p *gqlParser) skip() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *gqlParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func isNameStart(c byte) bool { return c == '_' || c < 0x80 && unicode.IsLetter(rune(c)) }
func isNameChar(c byte) bool  { return isNameStart(c) || c >= '0' && c <= '9' }

func (p *gqlParser) peekName() string {
	i := p.pos
	if i >= len(p.src) || !isNameStart(p.src[i]) {
		return ""
	}
	for i < len(p.src) && isNameChar(p.src[i]) {
		i++
	}
	return p.src[p.pos:i]
}

func (p *gqlParser) name() string {
	n := p.peekName()
	p.pos += len(n)
	return n
}

func (p *gqlParser) expect(c byte) error {
	p.skip()
	if p.peek() != c {
		return p.errf("expected %q", c)
	}
	p.pos++
	return nil
}

// varDefs reads ($a: Type = default, …) and keeps defaults of variables
// the request did not give.
func (p *gqlParser) varDefs() error {
	p.pos++ // (
	for {
		p.skip()
		if p.peek() == ')' {
			p.pos++
			return nil
		}
		if p.peek() != '$' {
			return p.errf("expected a variable definition")
		}
		p.pos++
		n := p.name()
		if n == "" {
			return p.errf("expected a variable name")
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := p.typeRef(); err != nil {
			return err
		}
		p.skip()
		if p.peek() == '=' {
			p.pos++
			p.skip()
			v, err := p.value()
			if err != nil {
				return err
			}
			if _, given := p.vars[n]; !given {
				if p.vars == nil {
					p.vars = map[string]any{}
				}
				p.vars[n] = v
			}
		}
	}
}

func (p *gqlParser) typeRef() error {
	p.skip()
	if p.peek() == '[' {
		p.pos++
		if err := p.typeRef(); err != nil {
			return err
		}
		if err := p.expect(']'); err != nil {
			return err
		}
	} else if p.name() == "" {
		return p.errf("expected a type")
	}
	p.skip()
	if p.peek() == '!' {
		p.pos++
	}
	return nil
}

func (p *gqlParser) selection() ([]gqlField, error) {
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var out []gqlField
	for {
		p.skip()
		switch c := p.peek(); {
		case c == '}':
			p.pos++
			if len(out) == 0 {
				return nil, p.errf("object field must have selections")
			}
			return out, nil
		case c == 0:
			return nil, p.errf("unterminated selection")
		case c == '.' || c == '@':
			return nil, p.errf("fragments and directives are not served")
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

func (p *gqlParser) field() (gqlField, error) {
	var f gqlField
	n := p.name()
	if n == "" {
		return f, p.errf("expected a field name")
	}
	p.skip()
	if p.peek() == ':' {
		p.pos++
		p.skip()
		f.Alias = n
		if n = p.name(); n == "" {
			return f, p.errf("expected a field name after alias %q", f.Alias)
		}
		p.skip()
	}
	f.Name = n
	if p.peek() == '(' {
		p.pos++
		f.Args = map[string]any{}
		for {
			p.skip()
			if p.peek() == ')' {
				p.pos++
				break
			}
			an := p.name()
			if an == "" {
				return f, p.errf("expected an argument name")
			}
			if err := p.expect(':'); err != nil {
				return f, err
			}
			p.skip()
			v, err := p.value()
			if err != nil {
				return f, err
			}
			f.Args[an] = v
		}
		p.skip()
	}
	if p.peek() == '{' {
		sel, err := p.selection()
		if err != nil {
			return f, err
		}
		f.Sel = sel
	}
	return f, nil
}

// value reads one value; variables are replaced by their values.
func (p *gqlParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '$':
		p.pos++
		n := p.name()
		v, ok := p.vars[n]
		if !ok {
			return nil, p.errf("variable $%s is not defined", n)
		}
		return v, nil
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && strings.IndexByte("0123456789.eE+-", p.src[p.pos]) >= 0 {
			p.pos++
		}
		f, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			return nil, p.errf("bad number %q", p.src[start:p.pos])
		}
		return f, nil
	case c == '[':
		p.pos++
		var out []any
		for {
			p.skip()
			if p.peek() == ']' {
				p.pos++
				return out, nil
			}
			if p.peek() == 0 {
				return nil, p.errf("unterminated list")
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case c == '{':
		p.pos++
		out := map[string]any{}
		for {
			p.skip()
			if p.peek() == '}' {
				p.pos++
				return out, nil
			}
			k := p.name()
			if k == "" {
				return nil, p.errf("expected a field name in an object value")
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			p.skip()
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
	}
	switch n := p.name(); n {
	case "":
		return nil, p.errf("expected a value")
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	default:
		return gqlEnum(n), nil
	}
}

// gqlEnum is an enum value such as datetimeMinute_ASC.
type gqlEnum string

func (p *gqlParser) str() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], `"""`) {
		end := strings.Index(p.src[p.pos+3:], `"""`)
		if end < 0 {
			return "", p.errf("unterminated block string")
		}
		s := p.src[p.pos+3 : p.pos+3+end]
		p.pos += end + 6
		return s, nil
	}
	i := p.pos + 1
	for i < len(p.src) && p.src[i] != '"' {
		if p.src[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(p.src) {
		return "", p.errf("unterminated string")
	}
	raw := p.src[p.pos : i+1]
	p.pos = i + 1
	s, err := strconv.Unquote(raw)
	if err != nil {
		return "", p.errf("bad string %s", raw)
	}
	return s, nil
}
