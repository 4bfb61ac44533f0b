//! Just enough `multipart/form-data` to read the file field of a dataset upload.

/// The content of the form field `name`, from a body whose `Content-Type` is
/// `content_type`.
pub fn field<'a>(content_type: &str, body: &'a [u8], name: &str) -> Result<&'a [u8], String> {
    let (essence, parameters) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!(
            "Content-Type must be multipart/form-data, got {content_type}"
        ));
    }
    let boundary = parameters
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .next()
        .ok_or("multipart/form-data without a boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = split(body, &delimiter).into_iter().skip(1);
    let wanted = format!("name=\"{name}\"");
    parts
        .find_map(|part| {
            let part = part.strip_prefix(b"\r\n")?;
            let header_end = find(part, b"\r\n\r\n")?;
            let headers = String::from_utf8_lossy(&part[..header_end]);
            let disposition = headers
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
            if !disposition.contains(&wanted) {
                return None;
            }
            let content = &part[header_end + 4..];
            Some(content.strip_suffix(b"\r\n").unwrap_or(content))
        })
        .ok_or_else(|| format!("multipart body has no field \"{name}\""))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = find(body, delimiter) {
        pieces.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    pieces.push(body);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_field_is_found() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n--b--\r\n";
        let content = field("multipart/form-data; boundary=b", body, "file").unwrap();
        assert_eq!(content, b"a,b\r\n1,2\r\n");
        assert!(field("multipart/form-data; boundary=b", body, "missing").is_err());
        assert!(field("application/json", body, "file").is_err());
    }
}
