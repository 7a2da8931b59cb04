//! Display names a customer may not take: a name that claims a role ("Alice (support)",
//! "CSR Bob", "Admin") or the name of a CSR of the session. Signaling refuses such a name at
//! join with `name_not_allowed`; consoles also show every participant's role beside the name,
//! which is what protects against look-alikes this check cannot know (other alphabets).

/// Words that claim a role when they appear anywhere inside a word of the name.
const INSIDE_WORDS: [&str; 5] = ["support", "admin", "helpdesk", "moderator", "sysadmin"];
/// Words that claim a role as whole words.
const WHOLE_WORDS: [&str; 12] =
    ["csr", "agent", "staff", "host", "rep", "representative", "technician", "operator", "system", "service", "signaling", "servicedesk"];

/// The name as comparable words: lower case, invisible characters dropped, full-width forms
/// folded to ASCII, anything that is not a letter or digit a separator.
pub fn words(name: &str) -> Vec<String> {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().map(str::to_owned).collect()
}

/// Why a customer's name is not allowed, if it is not: it claims a role, or it holds the whole
/// name of one of `csr_names` (the CSRs of the session).
pub fn claims_role<'a>(name: &str, csr_names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let ws = words(name);
    if let Some(w) = ws.iter().find(|w| INSIDE_WORDS.iter().any(|r| w.contains(r)) || WHOLE_WORDS.contains(&w.as_str())) {
        return Some(format!("the word `{w}` names a role"));
    }
    csr_names
        .into_iter()
        .find(|csr| {
            let cw = words(csr);
            !cw.is_empty() && ws.windows(cw.len()).any(|win| win == cw.as_slice())
        })
        .map(|csr| format!("it holds the name of the CSR `{csr}`"))
}

#[cfg(test)]
mod tests {
    use super::claims_role;

    #[test]
    fn names_that_claim_a_role_are_found() {
        for name in [
            "Alice (support)",
            "CSR Bob",
            "admin",
            "Dana - IT Support",
            "Tech Support Team",
            "ＳＵＰＰＯＲＴ",
            "Sup\u{200B}port",
            "agent 7",
            "Host",
        ] {
            assert!(claims_role(name, []).is_some(), "{name}");
        }
    }

    #[test]
    fn the_name_of_a_csr_of_the_session_is_found() {
        assert!(claims_role("Alice", ["Alice"]).is_some());
        assert!(claims_role("alice  SMITH!", ["Alice Smith"]).is_some());
        assert!(claims_role("Alice", ["Alice Smith"]).is_none(), "one shared first name is not a claim");
        assert!(claims_role("Malice", ["Alice"]).is_none());
    }

    #[test]
    fn ordinary_names_pass() {
        for name in ["Dana", "Dana Müller", "José García", "李小龍", "O'Brien", "Customer", "Agnes", "Hostetler", "Reppert"] {
            assert!(claims_role(name, ["Alice", "Bob"]).is_none(), "{name}");
        }
    }
}
