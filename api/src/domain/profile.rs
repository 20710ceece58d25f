//! A user's name, postal address and phone numbers (preferences shown in the web UI).
//!
//! Free text is bounded so one user cannot bloat every page that lists users, and control
//! characters are refused because these values end up in HTML, CSV and logs.

use crate::error::Error;

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A person's display name: trimmed, at most 100 characters, may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, Error> {
        bounded_text(input, MAX_NAME_CHARS, "invalid_name", "Name", false).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postal address: trimmed, at most 200 characters, line breaks allowed, may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address(String);

impl Address {
    pub fn parse(input: &str) -> Result<Address, Error> {
        bounded_text(input, MAX_ADDRESS_CHARS, "invalid_address", "Address", true).map(Address)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as people write it: empty, or 3 to 32 characters of digits, spaces and
/// `+ - ( ) .`, with at least one digit. `field` is the label used in the error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str, field: &str) -> Result<PhoneNumber, Error> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(PhoneNumber(String::new()));
        }
        let len = s.chars().count();
        let allowed = s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
        if !(3..=32).contains(&len) || !allowed || !s.chars().any(|c| c.is_ascii_digit()) {
            return Err(Error::unprocessable(
                "invalid_phone_number",
                format!(
                    "{field} must be empty or 3 to 32 characters of digits, spaces and + - ( ) ."
                ),
            ));
        }
        Ok(PhoneNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn bounded_text(
    input: &str,
    max: usize,
    code: &'static str,
    field: &str,
    multiline: bool,
) -> Result<String, Error> {
    let s = input.trim();
    if s.chars().count() > max {
        return Err(Error::unprocessable(
            code,
            format!("{field} must be at most {max} characters."),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        return Err(Error::unprocessable(
            code,
            format!("{field} must not contain control characters."),
        ));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_are_bounded() {
        assert_eq!(PersonName::parse(" Sam ").unwrap().as_str(), "Sam");
        assert!(PersonName::parse(&"x".repeat(100)).is_ok());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse("a\nb").is_err());
        assert!(Address::parse("1 Main St\nSpringfield").is_ok());
        assert!(Address::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn phone_numbers_are_digits_and_punctuation() {
        for good in ["", "  ", "+1 (555) 010-0000", "112", "030.1234.5678"] {
            assert!(PhoneNumber::parse(good, "Phone 1").is_ok(), "{good:?}");
        }
        for bad in ["12", "call me", "+++", &"1".repeat(33), "555-0100 ext 2"] {
            assert!(PhoneNumber::parse(bad, "Phone 1").is_err(), "{bad:?}");
        }
    }
}
