//! The quick presets of the run page, the CLI and the default schedule: named sets
//! of model configurations, defined once so every client offers the same ones. The
//! three of the old service keep its names and metadata tags (`purpose`, `test`),
//! which dashboards filter experiments by.

use serde::Serialize;
use serde_json::{Value, json};

/// A named starting point for a run request.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Preset {
    /// What the CLI and the API call it (`baseline`).
    #[schema(value_type = String)]
    pub id: &'static str,
    /// What the run page shows (`Baseline Comparison`).
    #[schema(value_type = String)]
    pub title: &'static str,
    #[schema(value_type = String)]
    pub description: &'static str,
    /// `model_configs` of the request, exactly as sent.
    #[schema(value_type = Vec<crate::contract::ModelConfig>)]
    pub model_configs: Value,
    /// A small sample for quick checks; `None` = the whole dataset.
    #[schema(required = true)]
    pub sample_size: Option<u32>,
}

impl Preset {
    /// The request body for `dataset_name` (every other field at its default).
    pub fn request(&self, dataset_name: &str) -> Value {
        let mut request =
            json!({"dataset_name": dataset_name, "model_configs": self.model_configs});
        if let Some(sample_size) = self.sample_size {
            request["sample_size"] = json!(sample_size);
        }
        request
    }
}

pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "baseline",
            title: "Baseline Comparison",
            description: "Gemini 2.5 Flash against 2.5 Flash-Lite, both at temperature 0",
            model_configs: json!([
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "baseline",
                 "metadata": {"purpose": "baseline"}},
                {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "lite",
                 "metadata": {"purpose": "cost-optimization"}}
            ]),
            sample_size: None,
        },
        Preset {
            id: "temperature",
            title: "Temperature Test",
            description: "Gemini 2.5 Flash at temperatures 0.0, 0.1 and 0.2",
            model_configs: json!([
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "t0.0",
                 "metadata": {"test": "temperature"}},
                {"model": "gemini-2.5-flash", "temperature": 0.1, "name_suffix": "t0.1",
                 "metadata": {"test": "temperature"}},
                {"model": "gemini-2.5-flash", "temperature": 0.2, "name_suffix": "t0.2",
                 "metadata": {"test": "temperature"}}
            ]),
            sample_size: None,
        },
        Preset {
            id: "quick-ci",
            title: "Quick CI Test",
            description: "2.5 Flash-Lite and 2.5 Flash on the first 5 records: a fast smoke test",
            model_configs: json!([
                {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "ci-lite",
                 "metadata": {"purpose": "ci-test"}},
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "ci-flash",
                 "metadata": {"purpose": "ci-test"}}
            ]),
            sample_size: Some(5),
        },
        Preset {
            id: "ocr-baseline",
            title: "OCR baseline vs Flash-Lite",
            description: "The free local OCR model tesseract-tha against Gemini 2.5 Flash-Lite",
            model_configs: json!([
                {"model": "tesseract-tha", "temperature": 0.0, "name_suffix": "ocr",
                 "metadata": {"purpose": "local-ocr"}},
                {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "lite",
                 "metadata": {"purpose": "cost-optimization"}}
            ]),
            sample_size: None,
        },
    ]
}

pub fn preset(id: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ExperimentRequest;

    #[test]
    fn every_preset_is_a_valid_request_with_the_documented_names() {
        for preset in presets() {
            let body =
                serde_json::to_vec(&preset.request("vote-extraction-bangbamru-1-10")).unwrap();
            let request = ExperimentRequest::from_json_bytes(&body)
                .unwrap_or_else(|e| panic!("preset {} is invalid: {e:?}", preset.id));
            assert_eq!(request.sample_size.map(|s| s.get()), preset.sample_size);
        }
        let names = |id| {
            preset(id).unwrap().request("d")["model_configs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name_suffix"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("baseline"), ["baseline", "lite"]);
        assert_eq!(names("temperature"), ["t0.0", "t0.1", "t0.2"]);
        assert_eq!(names("quick-ci"), ["ci-lite", "ci-flash"]);
        assert_eq!(names("ocr-baseline"), ["ocr", "lite"]);
        assert!(preset("nope").is_none());
    }

    #[test]
    fn the_old_services_presets_carry_its_metadata_tags() {
        let tags = |id| {
            let body = serde_json::to_vec(&preset(id).unwrap().request("d")).unwrap();
            ExperimentRequest::from_json_bytes(&body)
                .unwrap()
                .model_configs
                .iter()
                .map(|config| {
                    let tags = config.tags();
                    let tag = |key| tags.get(key).cloned().unwrap_or_default();
                    (tag("purpose"), tag("test"))
                })
                .collect::<Vec<_>>()
        };
        let purpose = |p: &str| (p.to_string(), String::new());
        let test = |t: &str| (String::new(), t.to_string());
        assert_eq!(
            tags("baseline"),
            [purpose("baseline"), purpose("cost-optimization")]
        );
        assert_eq!(tags("temperature"), vec![test("temperature"); 3]);
        assert_eq!(tags("quick-ci"), vec![purpose("ci-test"); 2]);
        assert_eq!(
            tags("ocr-baseline"),
            [purpose("local-ocr"), purpose("cost-optimization")]
        );
    }
}
