//! Query strings read strictly: repeated parameters are kept in order (Datadog's
//! `filter[tags]` repeats), and a parameter the endpoint does not know is a 400.

use crate::error::ApiError;

pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `raw` (without `?`) and refuses names outside `allowed`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Query, ApiError> {
        let pairs: Vec<(String, String)> = match raw {
            Some(raw) => serde_urlencoded_pairs(raw)?,
            None => Vec::new(),
        };
        if let Some((name, _)) = pairs.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter \"{name}\" (accepted: {})",
                allowed.join(", ")
            )));
        }
        Ok(Query(pairs))
    }

    /// The value of a parameter that may appear once.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::bad_request(format!(
                "query parameter \"{name}\" given more than once"
            )));
        }
        Ok(first)
    }

    pub fn all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole-number parameter.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.single(name)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!(
                    "query parameter \"{name}\": expected a whole number, got \"{text}\""
                ))
            }),
        }
    }
}

fn serde_urlencoded_pairs(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{raw}")
            .parse()
            .map_err(|_| ApiError::bad_request("malformed query string"))?,
    )
    .map(|q| q.0)
    .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_unknown_parameters() {
        let query = Query::parse(
            Some("filter[tags]=a:1&filter[tags]=b%3A2&page[limit]=5"),
            &["filter[tags]", "page[limit]"],
        )
        .unwrap();
        assert_eq!(
            query.all("filter[tags]").collect::<Vec<_>>(),
            ["a:1", "b:2"]
        );
        assert_eq!(query.number::<usize>("page[limit]").unwrap(), Some(5));
        assert!(query.single("filter[tags]").is_err());
        let unknown = Query::parse(Some("filter[nam]=x"), &["filter[name]"]);
        assert!(unknown.is_err());
    }
}
