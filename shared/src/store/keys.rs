//! Every Redis key tally uses is built here and nowhere else, so the key layout can be
//! read in one place and every key carries the namespace.
//!
//! Layout (`{ns}` = namespace, `{name}` = a `DatasetName`, which never contains `:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{ns}:datasets` | set | names of datasets with at least one version |
//! | `{ns}:dataset:{name}:latest` | string | the highest version number issued |
//! | `{ns}:dataset:{name}:versions` | hash | version → metadata JSON |
//! | `{ns}:dataset:{name}:by_hash` | hash | content hash → version |
//! | `{ns}:dataset:{name}:records:{content_hash}` | list | a version's records, one JSON line each |
//! | `{ns}:dataset_staging:{id}` | list | records being uploaded, before they become a version |
//! | `{ns}:dataset_staging_seq` | string | counter naming staging lists |

use crate::dataset::{ContentHash, DatasetName};

use super::namespace::Namespace;

/// Builds the keys of one namespace.
#[derive(Debug, Clone)]
pub struct Keys {
    namespace: Namespace,
}

impl Keys {
    pub fn new(namespace: Namespace) -> Keys {
        Keys { namespace }
    }

    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// The pattern that matches every key of this namespace (for cleanup in tests and
    /// operator tooling).
    pub fn all_pattern(&self) -> String {
        format!("{}:*", self.namespace)
    }

    pub fn dataset_names(&self) -> String {
        format!("{}:datasets", self.namespace)
    }

    pub fn dataset_latest(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:latest", self.namespace)
    }

    pub fn dataset_versions(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:versions", self.namespace)
    }

    pub fn dataset_by_hash(&self, name: &DatasetName) -> String {
        format!("{}:dataset:{name}:by_hash", self.namespace)
    }

    /// Records are keyed by content, not by version number, so the key is known
    /// before the registering script picks the number.
    pub fn dataset_records(&self, name: &DatasetName, content_hash: &ContentHash) -> String {
        format!("{}:dataset:{name}:records:{content_hash}", self.namespace)
    }

    pub fn dataset_staging(&self, id: u64) -> String {
        format!("{}:dataset_staging:{id}", self.namespace)
    }

    pub fn dataset_staging_seq(&self) -> String {
        format!("{}:dataset_staging_seq", self.namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_starts_with_the_namespace() {
        let keys = Keys::new(Namespace::parse("test:keys").unwrap());
        let name = DatasetName::parse("set-1").unwrap();
        let hash = ContentHash::parse(&format!("sha256:{}", "0".repeat(64))).unwrap();
        for key in [
            keys.dataset_names(),
            keys.dataset_latest(&name),
            keys.dataset_versions(&name),
            keys.dataset_by_hash(&name),
            keys.dataset_records(&name, &hash),
            keys.dataset_staging(9),
            keys.dataset_staging_seq(),
        ] {
            assert!(key.starts_with("test:keys:"), "{key}");
        }
        assert_eq!(
            keys.dataset_records(&name, &hash),
            format!("test:keys:dataset:set-1:records:sha256:{}", "0".repeat(64))
        );
    }
}
