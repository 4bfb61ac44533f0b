//! Cursor pagination as Datadog does it: `page[limit]` items per page, an opaque
//! `meta.after` cursor for the next page, `""` on the last one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;
use crate::query::Query;

/// Most items one page may hold.
pub const MAX_LIMIT: usize = 5000;

/// A window over a list: where it starts and how many it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    /// `page[limit]` (1–5000, else `default_limit`) and `page[cursor]` from `query`.
    pub fn from_query(query: &Query, default_limit: usize) -> Result<Page, ApiError> {
        let limit = match query.number::<usize>("page[limit]")? {
            None => default_limit.min(MAX_LIMIT),
            Some(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            Some(limit) => {
                return Err(ApiError::bad_request(format!(
                    "page[limit]: must be between 1 and {MAX_LIMIT}, got {limit}"
                )));
            }
        };
        let offset = match query.single("page[cursor]")? {
            None | Some("") => 0,
            Some(cursor) => decode(cursor)?,
        };
        Ok(Page { offset, limit })
    }

    /// This page of `items`, and the cursor of the next page if there is one.
    pub fn slice<T: Clone>(&self, items: &[T]) -> (Vec<T>, Option<String>) {
        let start = self.offset.min(items.len());
        let end = start.saturating_add(self.limit).min(items.len());
        let next = (end < items.len()).then(|| encode(end));
        (items[start..end].to_vec(), next)
    }
}

fn encode(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode(cursor: &str) -> Result<usize, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:")?.parse().ok())
        .ok_or_else(|| ApiError::bad_request(format!("page[cursor]: invalid cursor \"{cursor}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_list_and_end_without_a_cursor() {
        let items: Vec<u32> = (0..5).collect();
        let query = Query::parse(Some("page[limit]=2"), &["page[limit]", "page[cursor]"]).unwrap();
        let mut page = Page::from_query(&query, 100).unwrap();
        let mut seen = Vec::new();
        loop {
            let (chunk, next) = page.slice(&items);
            seen.extend(chunk);
            let Some(cursor) = next else { break };
            let raw = format!("page[limit]=2&page[cursor]={cursor}");
            let query = Query::parse(Some(&raw), &["page[limit]", "page[cursor]"]).unwrap();
            page = Page::from_query(&query, 100).unwrap();
        }
        assert_eq!(seen, items);
        let bad = Query::parse(Some("page[cursor]=zz"), &["page[cursor]"]).unwrap();
        assert!(Page::from_query(&bad, 10).is_err());
        let zero = Query::parse(Some("page[limit]=0"), &["page[limit]"]).unwrap();
        assert!(Page::from_query(&zero, 10).is_err());
    }
}
