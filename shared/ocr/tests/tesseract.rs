//! The real `tesseract` program on a freshly rendered synthetic page, and the errors
//! a worker gets when the program or its Thai data is missing. Needs Tesseract with
//! Thai data (scripts/test.sh installs it); one page keeps this to about a second of
//! CPU.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tally_core::dataset::DatasetName;
use tally_core::extraction::{Count, FormType};
use tally_ocr::{OcrError, OcrSettings, Tesseract, read_record};
use tally_synth::{ScanQuality, SynthOptions, generate};

fn rendered_unit(dir: &Path) -> tally_core::dataset::DatasetRecord {
    let out = dir.join("synth");
    generate(&SynthOptions {
        name: DatasetName::parse("ocr-test").unwrap(),
        units: 1,
        seed: 7,
        out: out.clone(),
        images: Some(ScanQuality::Clean),
        degradation: tally_synth::Degradation::Clean,
        anomalies: 0.0,
        replace: false,
    })
    .unwrap();
    let line = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    serde_json::from_str(line.lines().next().unwrap()).unwrap()
}

#[tokio::test]
async fn a_rendered_constituency_page_is_read_into_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let record = rendered_unit(dir.path());
    let first_page = dir.path().join("synth").join(&record.input.image_paths[0]);
    let read = read_record(&Tesseract::new(OcrSettings::default()), &[first_page])
        .await
        .unwrap();

    assert!(read.cpu > Duration::ZERO);
    assert!(read.pages[0].contains("บัตรเสีย"), "{}", read.pages[0]);
    let report = &read.forms.reports[0];
    let expected = &record.expected_output[0];
    assert_eq!(report.form_type(), FormType::Constituency);
    assert_eq!(
        report.form_info.constituency_number,
        expected.form_info.constituency_number
    );
    let fields = report.ballot_statistics.fields();
    let right = fields
        .iter()
        .zip(expected.ballot_statistics.fields())
        .filter(|((_, read), (_, want))| read == want)
        .count();
    assert!(
        right >= 4,
        "{fields:?} against {:?}",
        expected.ballot_statistics
    );
    assert!(
        report
            .vote_results
            .iter()
            .any(|row| row.vote_count.is_some_and(|c| c != Count(0))),
        "{}",
        read.pages[0]
    );
}

#[tokio::test]
async fn a_missing_program_is_named_with_the_packages_to_install() {
    let settings = OcrSettings {
        program: PathBuf::from("/nonexistent/tesseract"),
        ..OcrSettings::default()
    };
    let error = Tesseract::new(settings)
        .read_page(Path::new("page.png"))
        .await
        .unwrap_err();
    assert!(matches!(error, OcrError::NotInstalled { .. }));
    assert!(error.to_string().contains("tesseract-ocr-tha"), "{error}");
}

#[tokio::test]
async fn missing_thai_data_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let page = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/vote-extraction-bangbamru-1-10/images/unit-01/page-3.png");
    // Tesseract looking for its language data in an empty folder.
    let wrapper = dir.path().join("tesseract-without-thai");
    let empty = dir.path().join("no-tessdata");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nTESSDATA_PREFIX={} exec tesseract \"$@\"\n",
            empty.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let settings = OcrSettings {
        program: wrapper,
        ..OcrSettings::default()
    };
    let error = Tesseract::new(settings).read_page(&page).await.unwrap_err();
    assert!(matches!(error, OcrError::NoThaiData { .. }), "{error}");
}
