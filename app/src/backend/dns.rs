//! DNS lookups (hickory-resolver): the TXT records that prove a domain is the host's, and
//! the addresses of a route's server.
//!
//! The resolver is the one in `[dns] resolver` when set (tests run dnsmasq on loopback),
//! otherwise the system's (/etc/resolv.conf). Nothing is cached here: a verification
//! button must see a record published a minute ago.

use super::Settings;
use hickory_resolver::{
    config::{NameServerConfigGroup, ResolverConfig},
    name_server::TokioConnectionProvider,
    proto::{
        op::ResponseCode,
        rr::{RData, RecordType},
        ProtoErrorKind,
    },
    Name, Resolver,
};
use std::{net::IpAddr, time::Duration};

/// A resolver as configured: `[dns] resolver`, or the system's; no cache.
fn resolver(settings: &Settings) -> Result<Resolver<TokioConnectionProvider>, String> {
    build(settings, 0)
}

/// Answers kept for the mail plane, for their TTL: SPF asks about the same senders'
/// records message after message.
const MAIL_CACHE: usize = 4096;

/// The mail plane's resolver, built once for the process (building one reads the system's
/// configuration and opens sockets), with a cache that honours the records' TTLs.
pub type MailResolver = Resolver<TokioConnectionProvider>;

pub fn mail_resolver(settings: &Settings) -> Result<MailResolver, String> {
    build(settings, MAIL_CACHE)
}

fn build(settings: &Settings, cache: usize) -> Result<Resolver<TokioConnectionProvider>, String> {
    let mut builder = match settings.dns_resolver {
        Some(addr) => {
            let servers = NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true);
            let config = ResolverConfig::from_parts(None, vec![], servers);
            Resolver::builder_with_config(config, TokioConnectionProvider::default())
        }
        None => Resolver::builder_tokio().map_err(|e| e.to_string())?,
    };
    let options = builder.options_mut();
    options.timeout = Duration::from_secs(3);
    options.attempts = 2;
    options.cache_size = cache;
    Ok(builder.build())
}

/// The IPv4 and IPv6 addresses of a host name.
pub async fn addresses(settings: &Settings, name: &str) -> Result<Vec<IpAddr>, String> {
    if name == "localhost" {
        return Ok(vec![
            IpAddr::from([127, 0, 0, 1]),
            IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ]);
    }
    let lookup = resolver(settings)?
        .lookup_ip(format!("{name}."))
        .await
        .map_err(|e| e.to_string())?;
    Ok(lookup.iter().collect())
}

/// Where mail for `domain` goes: its MX hosts by preference; the domain itself when it has
/// no MX (RFC 5321 §5.1, the implicit MX); none for a null MX (`0 .`, RFC 7505), which
/// says the domain takes no mail.
pub async fn mail_exchangers(settings: &Settings, domain: &str) -> Result<Vec<String>, String> {
    let resolver = resolver(settings)?;
    match resolver.mx_lookup(format!("{domain}.")).await {
        Ok(lookup) => {
            let mut records: Vec<(u16, String)> = lookup
                .iter()
                .map(|mx| {
                    let host = mx.exchange().to_ascii();
                    (mx.preference(), host.trim_end_matches('.').to_lowercase())
                })
                .collect();
            records.sort();
            if records.iter().any(|(_, host)| host.is_empty()) {
                return Ok(Vec::new());
            }
            Ok(records.into_iter().map(|(_, host)| host).collect())
        }
        Err(e) if e.is_nx_domain() => Err(format!("the domain {domain} does not exist")),
        Err(e) if absent(&e) => Ok(vec![domain.to_string()]),
        Err(e) => Err(e.to_string()),
    }
}

/// The TXT texts at `name` (each record's strings joined, as SPF and DKIM read them); none
/// when the name or its TXT records do not exist.
pub async fn txt(settings: &Settings, name: &str) -> Result<Vec<String>, String> {
    let resolver = resolver(settings)?;
    // The trailing dot: the name as given, never a search domain appended.
    match resolver.txt_lookup(format!("{name}.")).await {
        Ok(lookup) => Ok(lookup
            .iter()
            .map(|txt| {
                txt.txt_data()
                    .iter()
                    .map(|part| String::from_utf8_lossy(part))
                    .collect::<String>()
            })
            .collect()),
        Err(e) if absent(&e) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

/// The answer says the name or its records do not exist (NXDOMAIN, NODATA).
/// `is_no_records_found()` is also true of SERVFAIL and REFUSED, which say nothing of the
/// records: a broken server must not read as "the record is not published".
fn absent(e: &hickory_resolver::ResolveError) -> bool {
    matches!(
        e.proto().map(|p| p.kind()),
        Some(ProtoErrorKind::NoRecordsFound {
            response_code: ResponseCode::NoError | ResponseCode::NXDomain,
            ..
        })
    )
}

/// The records of one type at `name`, for a caller that must tell "there are none" from
/// "no answer" (SPF counts the first as a void lookup and gives up on the second): empty
/// when the name or its records of that type do not exist (NXDOMAIN, NODATA); an error when
/// the server failed or did not answer (SERVFAIL, REFUSED, timeout).
///
/// `name` is taken as ASCII, as written in DNS: `_` inside a label (`%{l}` of `john_doe`)
/// is a valid name here, where the IDNA reading of the other lookups would refuse it.
pub async fn records(
    resolver: &MailResolver,
    name: &str,
    kind: RecordType,
) -> Result<Vec<RData>, String> {
    let name = Name::from_ascii(format!("{name}.")).map_err(|e| e.to_string())?;
    match resolver.lookup(name, kind).await {
        // Only the asked type: a CNAME on the way is not an answer.
        Ok(lookup) => Ok(lookup
            .record_iter()
            .filter(|record| record.record_type() == kind)
            .map(|record| record.data().clone())
            .collect()),
        Err(e) if absent(&e) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}
