//! TOML read in layers: a file merged over built-in TOML, so that the file needs to
//! name only what it changes (the worker's quotas, the Gemini emulator's settings).

use serde::de::DeserializeOwned;

/// `overlay` merged over `base`, read as a `T`: tables merge key by key, any other
/// value (arrays included) replaces the one beneath it.
pub fn from_layers<T: DeserializeOwned>(
    base: &str,
    overlay: Option<&str>,
) -> Result<T, toml::de::Error> {
    let mut table: toml::Table = toml::from_str(base)?;
    if let Some(overlay) = overlay {
        merge(&mut table, toml::from_str(overlay)?);
    }
    table.try_into()
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(table)) => {
                merge(existing, table)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overlay_changes_only_what_it_names() {
        let base = "a = 1\nlist = [1, 2]\n[t]\nx = 1\ny = 2\n";
        let overlay = "list = [3]\n[t]\ny = 5\n";
        let merged: toml::Table = from_layers(base, Some(overlay)).unwrap();
        let expected: toml::Table =
            toml::from_str("a = 1\nlist = [3]\n[t]\nx = 1\ny = 5\n").unwrap();
        assert_eq!(merged, expected);
        assert!(from_layers::<toml::Table>(base, Some("t = ")).is_err());
    }
}
