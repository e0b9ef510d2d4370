//! One page of a long list, and the search that chose it.

use serde::{Deserialize, Serialize};

/// Rows per page on every admin list.
pub const PAGE_SIZE: i64 = 25;

/// The rows of one page, and how many matched in all.
/// What an action on ticked rows did: how many, and anything more to tell (what the spam
/// filter learned from them, a sender put on the reader's list).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Done {
    pub count: usize,
    /// Whole sentences, or empty.
    pub note: String,
}

impl Done {
    /// Adds a sentence to the note, once.
    pub fn tell(&mut self, sentence: &str) {
        if sentence.is_empty() || self.note.contains(sentence) {
            return;
        }
        if !self.note.is_empty() {
            self.note.push(' ');
        }
        self.note.push_str(sentence);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Rows matching the search, on all pages.
    pub total: i64,
    /// Counted from 1.
    pub page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }
}

/// The page asked for, within 1..=10 000 (a larger number is a typo or a probe).
pub fn page_number(page: Option<i64>) -> i64 {
    page.unwrap_or(1).clamp(1, 10_000)
}

/// The rows to skip for a page.
pub fn offset(page: i64) -> i64 {
    (page - 1) * PAGE_SIZE
}

/// A search term as a SQL `LIKE` pattern matching it anywhere, with `%`, `_` and the
/// escape character taken literally (queries use `ESCAPE '\'`).
pub fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for c in search.trim().to_lowercase().chars().take(100) {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The checked rows of a mass action, as the form sends them (`ids[n]`); at least one.
pub fn selected(ids: Option<Vec<i64>>) -> Result<Vec<i64>, String> {
    match ids {
        Some(ids) if !ids.is_empty() => Ok(ids),
        _ => Err("Tick the messages first.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_and_bounded() {
        let page = |total| {
            Page::<()> {
                rows: vec![],
                total,
                page: 1,
            }
            .pages()
        };
        assert_eq!(page(0), 1);
        assert_eq!(page(25), 1);
        assert_eq!(page(26), 2);
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some(-3)), 1);
        assert_eq!(page_number(Some(i64::MAX)), 10_000);
        assert_eq!(offset(3), 50);
    }

    #[test]
    fn a_mass_action_needs_ticked_rows() {
        assert_eq!(selected(Some(vec![3, 9])), Ok(vec![3, 9]));
        assert!(selected(Some(vec![])).is_err());
        assert!(selected(None).is_err());
    }

    #[test]
    fn search_terms_match_literally() {
        assert_eq!(like_pattern(" Ali "), "%ali%");
        assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
