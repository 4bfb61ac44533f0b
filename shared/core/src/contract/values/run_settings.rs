//! How a run is carried out: which dataset version, how many records, how many
//! model calls at once, and where Datadog lives.

use std::fmt;

use serde::{Serialize, Serializer};

use super::ValueError;
use super::ranges::integer_between;

/// The most records one experiment may sample. Far above any real dataset; it
/// bounds what a typo can ask for.
const MAX_SAMPLE_SIZE: i64 = 1_000_000;
/// The most model calls of one experiment in flight across the cluster. A tier-1
/// Gemini project may send about 1,000 requests a minute per model; more calls in
/// flight than that can only collect 429s.
const MAX_JOBS: i64 = 1_000;
const DEFAULT_JOBS: u32 = 2;
/// The most trials of one record: enough for a standard error that means
/// something, few enough that a typo cannot multiply a run's cost by hundreds.
const MAX_TRIALS: i64 = 20;

/// A dataset version: 1, 2, 3 … in import order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DatasetVersion(u32);

impl DatasetVersion {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, u32::MAX.into()).map(DatasetVersion)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// How many records to run: the first N of the dataset version, 1 to
/// `MAX_SAMPLE_SIZE`. More than the dataset holds means all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SampleSize(u32);

impl SampleSize {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, MAX_SAMPLE_SIZE).map(SampleSize)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// The most model calls of one experiment in flight across all workers: 1 to
/// `MAX_JOBS`, default 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Jobs(u32);

impl Jobs {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, MAX_JOBS).map(Jobs)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Jobs {
    fn default() -> Self {
        Jobs(DEFAULT_JOBS)
    }
}

/// How many times every record of an experiment is run: 1 to `MAX_TRIALS`,
/// default 1. Each trial's result is kept; summaries give each metric's mean and
/// standard error across trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Trials(u32);

impl Trials {
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        integer_between(value, 1, MAX_TRIALS).map(Trials)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Trials {
    fn default() -> Self {
        Trials(1)
    }
}

/// The Datadog site a run exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatadogSite {
    #[default]
    Us1,
    Eu1,
    Us3,
    Us5,
    Ap1,
    Gov,
}

impl DatadogSite {
    pub const ALL: [DatadogSite; 6] = [
        DatadogSite::Us1,
        DatadogSite::Eu1,
        DatadogSite::Us3,
        DatadogSite::Us5,
        DatadogSite::Ap1,
        DatadogSite::Gov,
    ];

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        DatadogSite::ALL
            .into_iter()
            .find(|site| site.as_str() == text)
            .ok_or_else(|| {
                let sites: Vec<&str> = DatadogSite::ALL.iter().map(|s| s.as_str()).collect();
                ValueError::text(format!("must be one of {}", sites.join(", ")), text)
            })
    }

    /// The site's domain, as Datadog writes it (`datadoghq.eu`).
    pub fn as_str(self) -> &'static str {
        match self {
            DatadogSite::Us1 => "datadoghq.com",
            DatadogSite::Eu1 => "datadoghq.eu",
            DatadogSite::Us3 => "us3.datadoghq.com",
            DatadogSite::Us5 => "us5.datadoghq.com",
            DatadogSite::Ap1 => "ap1.datadoghq.com",
            DatadogSite::Gov => "ddog-gov.com",
        }
    }
}

/// A string schema listing the domains `as_str` writes, so the document and the
/// wire form cannot differ.
impl utoipa::PartialSchema for DatadogSite {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(DatadogSite::ALL.map(DatadogSite::as_str)))
            .into()
    }
}

impl utoipa::ToSchema for DatadogSite {}

impl fmt::Display for DatadogSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DatadogSite {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_at_one() {
        assert_eq!(
            SampleSize::parse(0).unwrap_err().to_string(),
            "must be between 1 and 1000000, got 0"
        );
        assert_eq!(SampleSize::parse(1).unwrap().get(), 1);
        assert_eq!(
            Jobs::parse(0).unwrap_err().to_string(),
            "must be between 1 and 1000, got 0"
        );
        assert_eq!(Jobs::parse(1000).unwrap().get(), 1000);
        assert!(Jobs::parse(1001).is_err());
        assert_eq!(Jobs::default().get(), 2);
        assert_eq!(
            DatasetVersion::parse(-1).unwrap_err().to_string(),
            "must be between 1 and 4294967295, got -1"
        );
        assert_eq!(DatasetVersion::parse(3).unwrap().get(), 3);
    }

    #[test]
    fn knows_the_six_datadog_sites() {
        for site in DatadogSite::ALL {
            assert_eq!(DatadogSite::parse(site.as_str()).unwrap(), site);
        }
        assert_eq!(DatadogSite::default().as_str(), "datadoghq.com");
        assert_eq!(
            DatadogSite::parse("datadoghq.co").unwrap_err().to_string(),
            "must be one of datadoghq.com, datadoghq.eu, us3.datadoghq.com, \
             us5.datadoghq.com, ap1.datadoghq.com, ddog-gov.com, got \"datadoghq.co\""
        );
    }
}
