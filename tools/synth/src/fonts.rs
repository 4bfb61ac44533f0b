//! The fixed set of Thai fonts pages are drawn with, found among the system fonts.
//!
//! Only the Laksaman and Purisa faces are loaded into the rendering database, never
//! "whatever is installed": another machine's extra fonts cannot change a glyph, so
//! the same seed gives the same pixels wherever Debian's `fonts-thai-tlwg` is
//! installed.

use std::path::PathBuf;
use std::sync::Arc;

use resvg::usvg::{self, fontdb};

use super::svg::{Anchor, HANDWRITTEN_FAMILY, PRINTED_FAMILY, SvgPage, TextStyle};

/// The Debian/Ubuntu package that provides the fonts.
pub const FONT_PACKAGE: &str = "fonts-thai-tlwg";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error(
        "the Thai font {family} was not found among the system fonts; install the \
         Debian/Ubuntu package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE})"
    )]
    Missing { family: &'static str },
    #[error("font file {path} could not be loaded: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
}

pub struct Fonts {
    db: Arc<fontdb::Database>,
}

impl Fonts {
    /// Finds Laksaman (regular and bold) and Purisa among the system fonts.
    pub fn load() -> Result<Fonts, FontError> {
        let mut system = fontdb::Database::new();
        system.load_system_fonts();
        let mut files: Vec<PathBuf> = Vec::new();
        for family in [PRINTED_FAMILY, HANDWRITTEN_FAMILY] {
            let mut found = false;
            for face in system.faces() {
                let named = face.families.iter().any(|(name, _)| name == family);
                if let (true, fontdb::Style::Normal, fontdb::Source::File(path)) =
                    (named, face.style, &face.source)
                {
                    files.push(path.clone());
                    found = true;
                }
            }
            if !found {
                return Err(FontError::Missing { family });
            }
        }
        // Sorted and deduplicated: the database's order never depends on directory
        // listing order.
        files.sort();
        files.dedup();
        let mut db = fontdb::Database::new();
        for path in &files {
            db.load_font_file(path)
                .map_err(|source| FontError::Unreadable {
                    path: path.display().to_string(),
                    source,
                })?;
        }
        Ok(Fonts { db: Arc::new(db) })
    }

    pub fn options(&self) -> usvg::Options<'static> {
        usvg::Options {
            fontdb: Arc::clone(&self.db),
            font_family: PRINTED_FAMILY.to_string(),
            ..usvg::Options::default()
        }
    }

    /// The drawn width of `text`, for laying out what follows it on a line.
    pub fn text_width(&self, text: &str, style: TextStyle) -> Result<f32, usvg::Error> {
        let mut page = SvgPage::new();
        page.text(0.0, 100.0, text, style, Anchor::Start);
        let tree = usvg::Tree::from_str(&page.finish(), &self.options())?;
        // The page background is part of the tree: measure the text, its last child.
        Ok(tree
            .root()
            .children()
            .last()
            .map_or(0.0, |node| node.abs_bounding_box().width()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_names_the_package_to_install() {
        let message = FontError::Missing { family: "Purisa" }.to_string();
        assert!(message.contains("Purisa"), "{message}");
        assert!(
            message.contains("apt-get install fonts-thai-tlwg"),
            "{message}"
        );
    }

    #[test]
    fn the_fixed_faces_are_found_and_measure_thai_text() {
        let fonts = Fonts::load().expect("scripts/test.sh installs fonts-thai-tlwg");
        let short = fonts
            .text_width("สิบ", TextStyle::handwritten(17.0))
            .unwrap();
        let long = fonts
            .text_width("สามร้อยสี่สิบเอ็ด", TextStyle::handwritten(17.0))
            .unwrap();
        assert!(short > 10.0 && long > 3.0 * short, "{short} {long}");
    }
}
