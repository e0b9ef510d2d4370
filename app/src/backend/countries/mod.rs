//! Which country an IP address is in, from a MaxMind-format country database (MMDB).
//!
//! Two layouts of record are read: MaxMind's GeoLite2/GeoIP2 (`country.iso_code`) and the
//! flat one of the freely licensed ip-location-db builds (`country_code`) that the set-up
//! installs. Without a database, or for an address it does not list (private, loopback,
//! documentation ranges), the country is unknown: an empty code, shown as "Unknown".

mod names;

use maxminddb::{PathElement, Reader};
use std::{net::IpAddr, path::Path, sync::Arc};

/// The opened database, shared by every request; `None` when none is configured.
#[derive(Clone, Default)]
pub struct Countries {
    reader: Option<Arc<Reader<Vec<u8>>>>,
}

impl Countries {
    /// Reads the whole file into memory (a country database is a few MB): a lookup is then a
    /// walk of an in-memory tree, with no I/O on the login path.
    pub fn open(path: &Path) -> Result<Countries, String> {
        let reader = Reader::open_readfile(path)
            .map_err(|e| format!("cannot read the country database {}: {e}", path.display()))?;
        Ok(Countries {
            reader: Some(Arc::new(reader)),
        })
    }

    /// No database: every country is unknown.
    pub fn none() -> Countries {
        Countries::default()
    }

    /// What the start-up log says about the database.
    pub fn describe(&self) -> String {
        match &self.reader {
            None => "no country database: login countries show as unknown".into(),
            Some(r) => format!(
                "country database {} ({}, IPv{})",
                r.metadata.database_type, r.metadata.build_epoch, r.metadata.ip_version
            ),
        }
    }

    /// The ISO 3166-1 alpha-2 code of the address's country, or "" when unknown. A text
    /// that is no address (a proxy's odd header) is unknown too.
    pub fn code_of(&self, ip: &str) -> String {
        let (Some(reader), Ok(ip)) = (&self.reader, ip.parse::<IpAddr>()) else {
            return String::new();
        };
        let Ok(found) = reader.lookup(ip) else {
            return String::new();
        };
        let paths: [&[PathElement<'_>]; 2] = [
            &[PathElement::Key("country"), PathElement::Key("iso_code")],
            &[PathElement::Key("country_code")],
        ];
        paths
            .iter()
            .find_map(|path| found.decode_path::<String>(path).ok().flatten())
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(|c| c.to_ascii_uppercase())
            .unwrap_or_default()
    }
}

/// How a country is shown: "Germany (DE)", the bare code for one the name list lacks,
/// "Unknown" for no code.
pub fn label(code: &str) -> String {
    if code.is_empty() {
        return "Unknown".into();
    }
    match names::NAMES.binary_search_by(|(c, _)| (*c).cmp(code)) {
        Ok(i) => format!("{} ({code})", names::NAMES[i].1),
        Err(_) => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_for_the_binary_search() {
        assert!(names::NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(label("DE"), "Germany (DE)");
        assert_eq!(label("JP"), "Japan (JP)");
        assert_eq!(label(""), "Unknown");
        assert_eq!(label("ZZ"), "ZZ");
    }

    #[test]
    fn without_a_database_every_country_is_unknown() {
        let none = Countries::none();
        assert_eq!(none.code_of("193.99.144.80"), "");
        assert_eq!(none.code_of("not an address"), "");
        assert!(none.describe().contains("unknown"));
        assert!(Countries::open(Path::new("/nonexistent/country.mmdb"))
            .err()
            .is_some_and(|e| e.contains("/nonexistent/country.mmdb")));
    }
}
