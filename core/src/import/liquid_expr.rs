//! One Liquid output expression (`.x.y | filter: arg`) as a Relay formula expression, when
//! the filters have an equivalent. The error says which part has none.

/// Liquid identifiers may hold `-` and `?`; Tines paths also use `#`, `@` and `$` in keys.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '?' | '#' | '@' | '$')
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names MiniJinja reads as keywords; as keys they need `["…"]`.
const RESERVED: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "true", "false", "none", "True", "False", "None",
];

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Name(String),
    Index(i64),
    Key(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(Vec<Seg>),
    Str(String),
    Num(String),
    Bool(bool),
    Nil,
}

struct Cursor {
    chars: Vec<char>,
    i: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        self.chars[start..self.i].iter().collect()
    }

    fn rest(&self) -> String {
        self.chars[self.i..].iter().collect()
    }

    fn string_literal(&mut self) -> Result<String, String> {
        let quote = self.peek().ok_or("unexpected end")?;
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("an unclosed string".into()),
                Some(c) if c == quote => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        match self.peek() {
            None => Err("an empty expression".into()),
            Some('\'' | '"') => Ok(Operand::Str(self.string_literal()?)),
            Some(c)
                if c.is_ascii_digit()
                    || (c == '-' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let first = self.take_while(|c| c == '-');
                let digits = self.take_while(|c| c.is_ascii_digit() || c == '.');
                Ok(Operand::Num(format!("{first}{digits}")))
            }
            Some('.' | '[') | Some(_) => self.path(),
        }
    }

    fn path(&mut self) -> Result<Operand, String> {
        self.eat('.');
        let first = self.take_while(is_name_char);
        if first.is_empty() {
            return Err(format!("unexpected `{}`", self.rest()));
        }
        let mut segs = vec![Seg::Name(first)];
        loop {
            if self.peek() == Some('.') && self.peek_at(1) == Some('[') {
                self.i += 1;
            }
            if self.eat('[') {
                self.skip_ws();
                let seg = match self.peek() {
                    Some('\'' | '"') => Seg::Key(self.string_literal()?),
                    Some(c) if c.is_ascii_digit() || c == '-' => {
                        let n = self.take_while(|c| c.is_ascii_digit() || c == '-');
                        Seg::Index(n.parse().map_err(|_| format!("index `{n}`"))?)
                    }
                    _ => return Err("a computed index (`x[y]`)".into()),
                };
                self.skip_ws();
                if !self.eat(']') {
                    return Err("an unclosed `[`".into());
                }
                segs.push(seg);
            } else if self.eat('.') {
                let name = self.take_while(is_name_char);
                if name.is_empty() {
                    return Err("a path ending in `.`".into());
                }
                segs.push(Seg::Name(name));
            } else {
                break;
            }
        }
        if let [Seg::Name(word)] = segs.as_slice() {
            match word.as_str() {
                "true" => return Ok(Operand::Bool(true)),
                "false" => return Ok(Operand::Bool(false)),
                "nil" | "null" => return Ok(Operand::Nil),
                _ => {}
            }
        }
        Ok(Operand::Path(segs))
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn path_expr(segs: &[Seg]) -> Result<String, String> {
    let Some(Seg::Name(root)) = segs.first() else {
        return Err("a path without a name".into());
    };
    if root == "STORY" {
        return Err("`STORY` (a Tines story reference) has no Relay equivalent".into());
    }
    if !is_identifier(root) || RESERVED.contains(&root.as_str()) {
        return Err(format!("the root `{root}` is not a formula name"));
    }
    let mut out = root.clone();
    for (i, seg) in segs.iter().enumerate().skip(1) {
        let last = i == segs.len() - 1;
        match seg {
            // Liquid's array helpers, read as properties.
            Seg::Name(n) if n == "first" => out.push_str("[0]"),
            Seg::Name(n) if n == "last" => out.push_str("[-1]"),
            Seg::Name(n) if n == "size" && last => out.push_str("|SIZE"),
            Seg::Name(n) if n == "size" => return Err("`.size` in the middle of a path".into()),
            Seg::Name(n) if is_identifier(n) && !RESERVED.contains(&n.as_str()) => {
                out.push('.');
                out.push_str(n);
            }
            Seg::Name(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                out.push_str(&format!("[{n}]"))
            }
            Seg::Name(n) | Seg::Key(n) => out.push_str(&format!("[{}]", quote(n))),
            Seg::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    Ok(out)
}

fn operand_expr(op: &Operand) -> Result<String, String> {
    match op {
        Operand::Path(segs) => path_expr(segs),
        Operand::Str(s) => Ok(quote(s)),
        Operand::Num(n) => Ok(n.clone()),
        Operand::Bool(b) => Ok(b.to_string()),
        Operand::Nil => Ok("none".into()),
    }
}

/// Zero-argument Liquid filters and their formula filter.
const SIMPLE_FILTERS: &[(&str, &str)] = &[
    ("size", "SIZE"),
    ("upcase", "UPCASE"),
    ("downcase", "DOWNCASE"),
    ("strip", "STRIP"),
    ("uniq", "UNIQ"),
    ("sort", "SORT"),
    ("first", "FIRST"),
    ("last", "LAST"),
    ("base64_encode", "BASE64_ENCODE"),
    ("base64_decode", "BASE64_DECODE"),
    ("url_encode", "URL_ENCODE"),
    ("sha256", "SHA256"),
    ("json_parse", "JSON_PARSE"),
    ("json", "TO_JSON"),
    ("to_json", "TO_JSON"),
    ("escape", "escape"),
    ("capitalize", "capitalize"),
    ("reverse", "reverse"),
    ("abs", "abs"),
    ("newline_to_br", "replace(\"\\n\", \"<br />\\n\")"),
    (
        "strip_newlines",
        "replace(\"\\r\", \"\")|replace(\"\\n\", \"\")",
    ),
];

fn arithmetic(base: &str, op: &str, arg: &Operand) -> Result<String, String> {
    let Operand::Num(n) = arg else {
        return Err(format!("`{op}` with an argument that is not a number"));
    };
    let cast = if n.contains('.') { "float" } else { "int" };
    let symbol = match op {
        "plus" => "+",
        "minus" => "-",
        "times" => "*",
        "divided_by" if cast == "int" => "//",
        "divided_by" => "/",
        _ => "%",
    };
    Ok(format!("({base}|{cast} {symbol} {n})"))
}

/// Filters with arguments that have an equivalent.
const ARGUMENT_FILTERS: &[&str] = &[
    "as_object",
    "default",
    "join",
    "split",
    "replace",
    "remove",
    "append",
    "prepend",
    "plus",
    "minus",
    "times",
    "divided_by",
    "modulo",
    "date",
    "map",
    "where",
];

fn apply_filter(base: String, name: &str, args: &[Operand]) -> Result<String, String> {
    if !ARGUMENT_FILTERS.contains(&name) && !SIMPLE_FILTERS.iter().any(|(from, _)| *from == name) {
        return Err(format!("the filter `{name}` has no formula equivalent"));
    }
    let exprs = args
        .iter()
        .map(operand_expr)
        .collect::<Result<Vec<_>, _>>()?;
    let arity = |n: usize| {
        if exprs.len() == n {
            Ok(())
        } else {
            Err(format!("`{name}` with {} argument(s)", exprs.len()))
        }
    };
    if let Some((_, to)) = SIMPLE_FILTERS.iter().find(|(from, _)| *from == name) {
        arity(0)?;
        return Ok(format!("{base}|{to}"));
    }
    Ok(match name {
        "as_object" => {
            arity(0)?;
            base
        }
        "default" => {
            arity(1)?;
            format!("{base}|DEFAULT({})", exprs[0])
        }
        "join" if exprs.is_empty() => format!("{base}|JOIN(\" \")"),
        "join" | "split" => {
            arity(1)?;
            format!("{base}|{}({})", name.to_uppercase(), exprs[0])
        }
        "replace" => {
            arity(2)?;
            format!("{base}|replace({}, {})", exprs[0], exprs[1])
        }
        "remove" => {
            arity(1)?;
            format!("{base}|replace({}, \"\")", exprs[0])
        }
        "append" => {
            arity(1)?;
            format!("({base} ~ {})", exprs[0])
        }
        "prepend" => {
            arity(1)?;
            format!("({} ~ {base})", exprs[0])
        }
        "plus" | "minus" | "times" | "divided_by" | "modulo" => {
            arity(1)?;
            arithmetic(&base, name, &args[0])?
        }
        "date" => {
            arity(1)?;
            format!("DATE({base}, {})", exprs[0])
        }
        "map" => {
            arity(1)?;
            format!("MAP({base}, {})", exprs[0])
        }
        "where" => {
            arity(2)?;
            format!("WHERE({base}, {}, {})", exprs[0], exprs[1])
        }
        other => return Err(format!("the filter `{other}` has no formula equivalent")),
    })
}

/// Converts the inside of `{{ … }}` to a formula expression.
pub fn convert_output(inner: &str) -> Result<String, String> {
    let mut c = Cursor {
        chars: inner.chars().collect(),
        i: 0,
    };
    let base = c.operand()?;
    let mut filters: Vec<(String, Vec<Operand>)> = Vec::new();
    loop {
        c.skip_ws();
        if c.peek().is_none() {
            break;
        }
        if !c.eat('|') {
            return Err(format!("unexpected `{}`", c.rest().trim()));
        }
        c.skip_ws();
        let name = c.take_while(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if name.is_empty() {
            return Err("a `|` without a filter name".into());
        }
        c.skip_ws();
        let mut args = Vec::new();
        if c.eat(':') {
            loop {
                let arg = c.operand()?;
                c.skip_ws();
                if c.peek() == Some(':') {
                    return Err(format!("named arguments to `{name}`"));
                }
                args.push(arg);
                if !c.eat(',') {
                    break;
                }
            }
        }
        filters.push((name, args));
    }
    // `'now' | date: …` formats the current time.
    let mut expr = match &base {
        Operand::Str(s) if s == "now" && filters.first().is_some_and(|(n, _)| n == "date") => {
            "NOW()".to_owned()
        }
        other => operand_expr(other)?,
    };
    for (name, args) in &filters {
        expr = apply_filter(expr, name, args)?;
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_and_without_leading_dot() {
        assert_eq!(
            convert_output(".explode_users.user.job").unwrap(),
            "explode_users.user.job"
        );
        assert_eq!(
            convert_output(" receive_events.type ").unwrap(),
            "receive_events.type"
        );
        assert_eq!(
            convert_output(".CREDENTIAL.aws_key").unwrap(),
            "CREDENTIAL.aws_key"
        );
        assert_eq!(convert_output(".a.b[0].c").unwrap(), "a.b[0].c");
    }

    #[test]
    fn odd_keys_use_brackets() {
        assert_eq!(
            convert_output(".entry.['#agent_id'] | as_object").unwrap(),
            "entry[\"#agent_id\"]"
        );
        assert_eq!(
            convert_output(".a.duo-s-key.0").unwrap(),
            "a[\"duo-s-key\"][0]"
        );
        assert_eq!(convert_output(".a.in.x").unwrap(), "a[\"in\"].x");
        assert_eq!(convert_output(".data.first.id").unwrap(), "data[0].id");
        assert_eq!(convert_output(".data.last").unwrap(), "data[-1]");
        assert_eq!(
            convert_output(".body.results.size").unwrap(),
            "body.results|SIZE"
        );
    }

    #[test]
    fn filters_with_equivalents() {
        assert_eq!(
            convert_output(".x | base64_decode").unwrap(),
            "x|BASE64_DECODE"
        );
        assert_eq!(
            convert_output(".c.counter | plus: 1").unwrap(),
            "(c.counter|int + 1)"
        );
        assert_eq!(
            convert_output(".x | json_parse | as_object  ").unwrap(),
            "x|JSON_PARSE"
        );
        assert_eq!(
            convert_output(".u | replace: \".\", \"[.]\" | replace: 'http', 'hxxp'").unwrap(),
            "u|replace(\".\", \"[.]\")|replace(\"http\", \"hxxp\")"
        );
        assert_eq!(
            convert_output("x | default: 'none'").unwrap(),
            "x|DEFAULT(\"none\")"
        );
        assert_eq!(convert_output("x | join: ', '").unwrap(), "x|JOIN(\", \")");
        assert_eq!(
            convert_output("x | divided_by: 2.5").unwrap(),
            "(x|float / 2.5)"
        );
        assert_eq!(
            convert_output("b | newline_to_br").unwrap(),
            "b|replace(\"\\n\", \"<br />\\n\")"
        );
    }

    #[test]
    fn now_and_dates() {
        assert_eq!(
            convert_output("'now' | date: '%s' | minus: 10000").unwrap(),
            "(DATE(NOW(), \"%s\")|int - 10000)"
        );
        assert_eq!(
            convert_output(".t | date: '%s'").unwrap(),
            "DATE(t, \"%s\")"
        );
        assert_eq!(convert_output("'now'").unwrap(), "\"now\"");
    }

    #[test]
    fn literals() {
        assert_eq!(convert_output("'text'").unwrap(), "\"text\"");
        assert_eq!(convert_output("42").unwrap(), "42");
        assert_eq!(convert_output("nil").unwrap(), "none");
        assert_eq!(convert_output("true").unwrap(), "true");
    }

    #[test]
    fn no_equivalent_is_an_error_naming_the_part() {
        assert!(
            convert_output("signature | hmac_sha1: duo-s-key")
                .unwrap_err()
                .contains("hmac_sha1")
        );
        assert!(
            convert_output(".x | jsonpath: '$.a'")
                .unwrap_err()
                .contains("jsonpath")
        );
        assert!(
            convert_output(".STORY.send_to_story_breaks")
                .unwrap_err()
                .contains("STORY")
        );
        assert!(
            convert_output("row[forloop.index0]")
                .unwrap_err()
                .contains("computed index")
        );
        assert!(convert_output("x | plus: y").is_err());
        assert!(convert_output("").is_err());
        assert!(convert_output("a b").is_err());
        assert!(convert_output("x | truncate: 5, '...'").is_err());
    }
}
