//! The IP list entry parser (`192.0.2.0/24`, `2001:db8::/32`), on any text an admin may type
//! or an import may carry.
//!
//! Beyond not panicking, it must keep its promise of one spelling per network: what it
//! shows re-reads as the same network with nothing changed, host bits are clear, and an
//! IPv4-mapped IPv6 entry has become the IPv4 network it is, so that a list check against
//! the client's canonical address cannot miss it.
#![no_main]

use app::model::cidr::{Cidr, Parsed};
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

fuzz_target!(|input: &[u8]| {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let Ok(Parsed { cidr, .. }) = Cidr::parse(text) else {
        return;
    };
    let shown = cidr.to_string();
    assert_eq!(
        Cidr::parse(&shown),
        Ok(Parsed {
            cidr,
            host_bits_cleared: false
        }),
        "{text:?} shown as {shown:?}"
    );
    let prefix = u32::from(cidr.prefix());
    match cidr.addr() {
        IpAddr::V4(v4) => {
            assert!(prefix <= 32, "{text:?}");
            let host = u32::MAX.checked_shr(prefix).unwrap_or(0);
            assert_eq!(u32::from(v4) & host, 0, "host bits of {text:?}");
            assert!(cidr.contains(IpAddr::V6(v4.to_ipv6_mapped())), "{text:?}");
        }
        IpAddr::V6(v6) => {
            assert!(prefix <= 128, "{text:?}");
            let host = u128::MAX.checked_shr(prefix).unwrap_or(0);
            assert_eq!(u128::from(v6) & host, 0, "host bits of {text:?}");
            assert!(
                prefix < 96 || v6.to_ipv4_mapped().is_none(),
                "{text:?} kept as mapped IPv6"
            );
        }
    }
    assert!(cidr.contains(cidr.addr()), "{text:?}");
    assert_eq!(cidr.is_everything(), prefix == 0);
});
