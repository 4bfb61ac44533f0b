//! Where a site's API and UI live. `DD_LLMOBS_OVERRIDE_ORIGIN` replaces the API
//! origin for every call, as in ddtrace (a path in it becomes a prefix), so tests
//! and the demo talk to datadog-emulator; UI links stay those of the site.

use tally_core::contract::DatadogSite;

/// The base every API and intake path is appended to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    api: String,
    intake: String,
}

impl Origin {
    /// Datadog's own hosts for `site`.
    pub fn of_site(site: DatadogSite) -> Origin {
        Origin {
            api: format!("https://api.{}", site.as_str()),
            intake: format!("https://llmobs-intake.{}", site.as_str()),
        }
    }

    /// One origin for everything (`DD_LLMOBS_OVERRIDE_ORIGIN`), without a trailing `/`.
    pub fn overridden(origin: &str) -> Origin {
        let origin = origin.trim_end_matches('/').to_string();
        Origin {
            api: origin.clone(),
            intake: origin,
        }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    pub fn intake(&self, path: &str) -> String {
        format!("{}{path}", self.intake)
    }
}

/// The Datadog UI pages of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiLinks {
    base: String,
}

impl UiLinks {
    /// `https://app.{site}` for datadoghq.com, datadoghq.eu and ddog-gov.com;
    /// `https://{site}` for the regional sites (us3, us5, ap1), as Datadog serves them.
    pub fn of_site(site: DatadogSite) -> UiLinks {
        let base = match site {
            DatadogSite::Us1 | DatadogSite::Eu1 | DatadogSite::Gov => {
                format!("https://app.{}", site.as_str())
            }
            DatadogSite::Us3 | DatadogSite::Us5 | DatadogSite::Ap1 => {
                format!("https://{}", site.as_str())
            }
        };
        UiLinks { base }
    }

    pub fn experiment(&self, experiment_id: &str) -> String {
        format!("{}/llm/experiments/{experiment_id}", self.base)
    }

    pub fn dataset(&self, dataset_id: &str) -> String {
        format!("{}/llm/datasets/{dataset_id}", self.base)
    }

    /// Every experiment of a dataset in a project, side by side (the page the
    /// service tally replaces linked to; `url` encodes the project name).
    pub fn comparison(&self, dataset_id: &str, project_name: &str) -> String {
        let mut url = match url::Url::parse(&format!("{}/llm/experiments", self.base)) {
            Ok(url) => url,
            // The base is built above from a fixed scheme and a known domain.
            Err(_) => return format!("{}/llm/experiments", self.base),
        };
        url.query_pairs_mut()
            .append_pair("dataset", dataset_id)
            .append_pair("project", project_name);
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_hosts_follow_the_site() {
        let cases = [
            (
                DatadogSite::Us1,
                "https://app.datadoghq.com/llm/experiments/E",
            ),
            (
                DatadogSite::Eu1,
                "https://app.datadoghq.eu/llm/experiments/E",
            ),
            (
                DatadogSite::Us3,
                "https://us3.datadoghq.com/llm/experiments/E",
            ),
            (
                DatadogSite::Us5,
                "https://us5.datadoghq.com/llm/experiments/E",
            ),
            (
                DatadogSite::Ap1,
                "https://ap1.datadoghq.com/llm/experiments/E",
            ),
            (
                DatadogSite::Gov,
                "https://app.ddog-gov.com/llm/experiments/E",
            ),
        ];
        for (site, expected) in cases {
            assert_eq!(UiLinks::of_site(site).experiment("E"), expected);
        }
        let eu = UiLinks::of_site(DatadogSite::Eu1);
        assert_eq!(eu.dataset("D"), "https://app.datadoghq.eu/llm/datasets/D");
        assert_eq!(
            eu.comparison("D", "vote extraction"),
            "https://app.datadoghq.eu/llm/experiments?dataset=D&project=vote+extraction"
        );
    }

    #[test]
    fn an_override_replaces_both_origins() {
        let site = Origin::of_site(DatadogSite::Us3);
        assert_eq!(site.api("/api/x"), "https://api.us3.datadoghq.com/api/x");
        assert_eq!(
            site.intake("/api/v2/llmobs"),
            "https://llmobs-intake.us3.datadoghq.com/api/v2/llmobs"
        );
        let local = Origin::overridden("http://127.0.0.1:9/prefix/");
        assert_eq!(local.api("/api/x"), "http://127.0.0.1:9/prefix/api/x");
        assert_eq!(local.intake("/i"), "http://127.0.0.1:9/prefix/i");
    }
}
