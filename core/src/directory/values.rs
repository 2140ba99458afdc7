//! Validated input values ("parse, don't validate").
//!
//! Each newtype's `parse` trims its input and returns a [`CommonError`] naming the field at
//! fault; a value that parsed is valid everywhere. Events store the validated text as a plain
//! `String`, so their wire shape never depends on these types.

use super::CommonError;

/// Longest name (of a group, priority, category, ...) in characters.
pub const NAME_MAX: usize = 120;
/// Longest short free text (titles, labels, profile fields) in characters.
pub const SHORT_MAX: usize = 255;
/// Longest long free text (descriptions, article content, news bodies) in characters.
pub const LONG_MAX: usize = 100_000;
/// Longest email address, per RFC 5321.
pub const EMAIL_MAX: usize = 254;
/// Longest username in characters.
pub const USERNAME_MAX: usize = 64;

/// A required text: trimmed, not empty, at most `max` characters.
pub fn required(field: &'static str, input: &str, max: usize) -> Result<String, CommonError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(CommonError::Empty { field });
    }
    if trimmed.chars().count() > max {
        return Err(CommonError::TooLong { field, max });
    }
    Ok(trimmed.to_owned())
}

/// An optional text: trimmed, empty means absent, at most `max` characters.
pub fn optional(
    field: &'static str,
    input: Option<&str>,
    max: usize,
) -> Result<Option<String>, CommonError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required(field, text, max).map(Some),
    }
}

/// A free text that may be empty but not over-long (kept as given, not trimmed: content).
pub fn body(field: &'static str, input: &str, max: usize) -> Result<String, CommonError> {
    if input.chars().count() > max {
        return Err(CommonError::TooLong { field, max });
    }
    Ok(input.to_owned())
}

/// A free text that must not be blank, kept as given (content), at most `max` characters.
pub fn required_body(field: &'static str, input: &str, max: usize) -> Result<String, CommonError> {
    if input.trim().is_empty() {
        return Err(CommonError::Empty { field });
    }
    body(field, input, max)
}

/// A name: trimmed, 1 to [`NAME_MAX`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Parses a name for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Name, CommonError> {
        let name = required(field, input, NAME_MAX)?;
        if name.chars().any(char::is_control) {
            return Err(CommonError::Invalid {
                field,
                reason: "contains control characters",
            });
        }
        Ok(Name(name))
    }

    /// The validated text.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An email address: `local@domain.tld`, no spaces, at most [`EMAIL_MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an email address for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Email, CommonError> {
        let email = required(field, input, EMAIL_MAX)?;
        let invalid = |reason| CommonError::Invalid { field, reason };
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("contains spaces"));
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(invalid("has no @"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(invalid("needs one @ after a local part"));
        }
        let labels_ok = domain.split('.').all(|l| !l.is_empty());
        if !domain.contains('.') || !labels_ok {
            return Err(invalid("needs a domain like example.org"));
        }
        Ok(Email(email))
    }

    /// The validated address.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A login name: 1 to [`USERNAME_MAX`] of letters, digits, `.`, `_`, `-` and `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a username for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Username, CommonError> {
        let name = required(field, input, USERNAME_MAX)?;
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !name.chars().all(allowed) {
            return Err(CommonError::Invalid {
                field,
                reason: "only letters, digits, '.', '_', '-' and '@' are allowed",
            });
        }
        Ok(Username(name))
    }

    /// The validated username.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An HTML colour `#rgb` or `#rrggbb`, stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colour(String);

impl Colour {
    /// Parses a colour for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Colour, CommonError> {
        let text = required(field, input, 7)?;
        let hex = text.strip_prefix('#').unwrap_or("");
        let ok = matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit());
        if !ok {
            return Err(CommonError::Invalid {
                field,
                reason: "expected #rgb or #rrggbb",
            });
        }
        Ok(Colour(text.to_ascii_lowercase()))
    }

    /// The validated colour.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Colour {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Parses an optional colour (empty means none).
pub fn optional_colour(
    field: &'static str,
    input: Option<&str>,
) -> Result<Option<String>, CommonError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => Colour::parse(field, text).map(|c| Some(c.into_inner())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("name", "  Ops ").unwrap().as_ref(), "Ops");
        assert_eq!(
            Name::parse("name", "   "),
            Err(CommonError::Empty { field: "name" })
        );
        let long = "x".repeat(NAME_MAX + 1);
        assert_eq!(
            Name::parse("name", &long),
            Err(CommonError::TooLong {
                field: "name",
                max: NAME_MAX
            })
        );
        assert!(Name::parse("name", "a\u{7}b").is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("email", "ann@example.org").is_ok());
        for bad in [
            "ann",
            "@example.org",
            "ann@example",
            "a b@x.org",
            "a@@x.org",
            "a@x..org",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn usernames_and_colours() {
        assert!(Username::parse("username", "chris.brame").is_ok());
        assert!(Username::parse("username", "chris brame").is_err());
        assert_eq!(Colour::parse("c", "#AbC").unwrap().as_ref(), "#abc");
        assert!(Colour::parse("c", "#abcd").is_err());
        assert!(Colour::parse("c", "red").is_err());
        assert_eq!(optional_colour("c", Some(" ")), Ok(None));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn parsing_never_panics(s in ".{0,300}") {
            let _ = Name::parse("n", &s);
            let _ = Email::parse("e", &s);
            let _ = Username::parse("u", &s);
            let _ = Colour::parse("c", &s);
        }
    }
}
