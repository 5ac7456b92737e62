//! Feature extraction: a sign-in to the hashed values of each baselined feature.
//!
//! Features form Freeman et al.'s hierarchies: location IP → prefix (/24, /48) → ASN →
//! city → country; client user agent → browser family → OS family → device; plus app and
//! client app (protocol). Values are hashed to `u32` with a fixed (unseeded) hash, so the
//! same input always gives the same state and output.

use std::hash::Hasher;
use std::net::IpAddr;

use chrono::{Datelike, Timelike};
use rustc_hash::FxHasher;

use crate::model::SignIn;

/// The baselined features, in hierarchy order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Feature {
    Ip,
    Prefix,
    Asn,
    City,
    Country,
    UserAgent,
    Browser,
    Os,
    Device,
    App,
    ClientApp,
}

/// Number of features.
pub const NF: usize = 11;

/// Every feature, in order.
pub const FEATURES: [Feature; NF] = [
    Feature::Ip,
    Feature::Prefix,
    Feature::Asn,
    Feature::City,
    Feature::Country,
    Feature::UserAgent,
    Feature::Browser,
    Feature::Os,
    Feature::Device,
    Feature::App,
    Feature::ClientApp,
];

impl Feature {
    /// Name used in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Ip => "ipAddress",
            Feature::Prefix => "ipPrefix",
            Feature::Asn => "asn",
            Feature::City => "city",
            Feature::Country => "country",
            Feature::UserAgent => "userAgent",
            Feature::Browser => "browser",
            Feature::Os => "operatingSystem",
            Feature::Device => "device",
            Feature::App => "application",
            Feature::ClientApp => "clientApp",
        }
    }

    /// Weight in the composite score: Freeman's hierarchy weights (IP 0.6 / ASN 0.3 /
    /// country 0.1; UA 0.54 / browser 0.27 / OS 0.19), spread over riskd's finer levels.
    pub fn weight(self) -> f64 {
        match self {
            Feature::Ip => 0.25,
            Feature::Prefix => 0.2,
            Feature::Asn => 0.3,
            Feature::City => 0.15,
            Feature::Country => 0.1,
            Feature::UserAgent => 0.35,
            Feature::Browser => 0.25,
            Feature::Os => 0.2,
            Feature::Device => 0.2,
            Feature::App => 0.25,
            Feature::ClientApp => 0.3,
        }
    }

    /// Nominal number of distinct values tenant-wide (Good-Turing style reserve for
    /// unseen values).
    pub fn nominal_distinct(self) -> f64 {
        match self {
            Feature::Ip => 100_000.0,
            Feature::Prefix => 20_000.0,
            Feature::Asn => 3_000.0,
            Feature::City => 10_000.0,
            Feature::Country => 250.0,
            Feature::UserAgent => 10_000.0,
            Feature::Browser => 100.0,
            Feature::Os => 30.0,
            Feature::Device => 100_000.0,
            Feature::App => 2_000.0,
            Feature::ClientApp => 20.0,
        }
    }

    /// A location feature (suppressed for trusted and shared networks).
    pub fn is_location(self) -> bool {
        (self as usize) <= Feature::Country as usize
    }
}

fn fold(v: u64) -> u32 {
    let x = (v >> 32) as u32 ^ v as u32;
    if x == 0 {
        1
    } else {
        x
    }
}

/// Hashes a string value; 0 is reserved for "empty slot", so it never comes out.
pub fn hash_str(s: &str) -> u32 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    fold(h.finish())
}

/// Hashes the ASCII-lower-cased bytes of `s` without allocating.
pub fn hash_lower(s: &str) -> u32 {
    let mut h = FxHasher::default();
    let mut buf = [0u8; 64];
    for chunk in s.as_bytes().chunks(64) {
        let b = &mut buf[..chunk.len()];
        b.copy_from_slice(chunk);
        b.make_ascii_lowercase();
        h.write(b);
    }
    fold(h.finish())
}

fn hash_u64(v: u64) -> u32 {
    let mut h = FxHasher::default();
    h.write_u64(v);
    fold(h.finish())
}

fn hash_ip(ip: IpAddr) -> u32 {
    let mut h = FxHasher::default();
    match ip {
        IpAddr::V4(v4) => h.write_u32(u32::from(v4)),
        IpAddr::V6(v6) => h.write_u128(u128::from(v6)),
    }
    fold(h.finish())
}

/// The alphabetic prefix of an OS name (`Windows10` -> `windows`), hashed lower-case.
fn hash_os_family(s: &str) -> u32 {
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    hash_lower(&s[..end])
}

/// `Chrome 120.0.6099` -> `chrome`; `Rich Client 4.40` -> `rich client`.
pub fn family(s: &str) -> &str {
    let s = s.trim();
    match s.rfind(' ') {
        Some(i) if s[i + 1..].starts_with(|c: char| c.is_ascii_digit()) => s[..i].trim_end(),
        _ => s,
    }
}

/// `Windows 10` / `Windows10` / `Windows 11` -> `windows`; `Ios 17` -> `ios`.
pub fn os_family(s: &str) -> String {
    let f: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    f.to_ascii_lowercase()
}

/// Client apps and agents that mean legacy (basic) authentication.
pub fn is_legacy(signin: &SignIn) -> bool {
    const LEGACY_APPS: [&str; 12] = [
        "exchange activesync",
        "imap",
        "imap4",
        "pop",
        "pop3",
        "smtp",
        "authenticated smtp",
        "mapi over http",
        "offline address book",
        "outlook anywhere (rpc over http)",
        "exchange web services",
        "other clients",
    ];
    let app = signin.client_app_used.trim();
    let ua = signin.user_agent.as_str();
    LEGACY_APPS.iter().any(|l| l.eq_ignore_ascii_case(app))
        || signin.authentication_protocol.eq_ignore_ascii_case("ropc")
        || ua.starts_with("BAV2ROPC")
        || ua.starts_with("CBAinPROD")
        || ua.starts_with("CBAinTAR")
}

/// The network prefix of an address: /24 for IPv4, /48 for IPv6.
pub fn prefix_of(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(v4) => (u32::from(v4) >> 8) as u64,
        IpAddr::V6(v6) => (u128::from(v6) >> 80) as u64 | (1 << 63),
    }
}

/// A sign-in's feature values (hashes; 0 = missing) and the bits detectors need.
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub values: [u32; NF],
    /// Hour of week, 0..168 (Monday 00:00 is 0).
    pub hour_of_week: usize,
    pub legacy: bool,
}

impl Features {
    /// Extracts the features of a sign-in.
    pub fn of(s: &SignIn) -> Features {
        let mut v = [0u32; NF];
        if let Some(ip) = s.ip_address {
            v[Feature::Ip as usize] = hash_ip(ip);
            v[Feature::Prefix as usize] = hash_u64(prefix_of(ip));
        }
        if let Some(asn) = s.asn {
            v[Feature::Asn as usize] = hash_u64(asn as u64 | (1 << 40));
        }
        let loc = &s.location;
        if !loc.city.is_empty() {
            let mut h = FxHasher::default();
            h.write(loc.country.as_bytes());
            h.write_u8(0);
            h.write(loc.state.as_bytes());
            h.write_u8(0);
            h.write(loc.city.as_bytes());
            v[Feature::City as usize] = hash_u64(h.finish());
        }
        if !loc.country.is_empty() {
            v[Feature::Country as usize] = hash_str(&loc.country);
        }
        if !s.user_agent.is_empty() {
            v[Feature::UserAgent as usize] = hash_str(&s.user_agent);
        }
        if !s.device.browser.is_empty() {
            v[Feature::Browser as usize] = hash_lower(family(&s.device.browser));
        }
        if !s.device.operating_system.is_empty() {
            v[Feature::Os as usize] = hash_os_family(&s.device.operating_system);
        }
        // A device without an id is "unregistered" (one shared value), which is itself a
        // habit worth knowing.
        let device = if s.device.id.is_empty() {
            "unregistered"
        } else {
            s.device.id.as_str()
        };
        v[Feature::Device as usize] = hash_str(device);
        if !s.app_id.is_empty() {
            v[Feature::App as usize] = hash_str(&s.app_id);
        }
        if !s.client_app_used.is_empty() {
            v[Feature::ClientApp as usize] = hash_lower(&s.client_app_used);
        }
        let t = s.time;
        let hour_of_week = t.weekday().num_days_from_monday() as usize * 24 + t.hour() as usize;
        Features {
            values: v,
            hour_of_week,
            legacy: is_legacy(s),
        }
    }

    pub fn get(&self, f: Feature) -> u32 {
        self.values[f as usize]
    }
}

/// The human-readable value of a feature, for explanations.
pub fn display_value(s: &SignIn, f: Feature) -> String {
    match f {
        Feature::Ip => s.ip_address.map(|i| i.to_string()).unwrap_or_default(),
        Feature::Prefix => match s.ip_address {
            Some(IpAddr::V4(v4)) => {
                let o = v4.octets();
                format!("{}.{}.{}.0/24", o[0], o[1], o[2])
            }
            Some(IpAddr::V6(v6)) => {
                let p = u128::from(v6) >> 80 << 80;
                format!("{}/48", std::net::Ipv6Addr::from(p))
            }
            None => String::new(),
        },
        Feature::Asn => s.asn.map(|a| format!("AS{a}")).unwrap_or_default(),
        Feature::City => {
            let l = &s.location;
            [l.city.as_str(), l.state.as_str(), l.country.as_str()]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        }
        Feature::Country => s.location.country.clone(),
        Feature::UserAgent => s.user_agent.clone(),
        Feature::Browser => family(&s.device.browser).to_owned(),
        Feature::Os => s.device.operating_system.clone(),
        Feature::Device => {
            if s.device.id.is_empty() {
                "unregistered".to_owned()
            } else {
                s.device.id.clone()
            }
        }
        Feature::App => {
            if s.app_display_name.is_empty() {
                s.app_id.clone()
            } else {
                s.app_display_name.clone()
            }
        }
        Feature::ClientApp => s.client_app_used.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("Chrome 120.0.6099"), "Chrome");
        assert_eq!(family("Rich Client 4.40.0.0"), "Rich Client");
        assert_eq!(family("Safari"), "Safari");
        assert_eq!(os_family("Windows10"), "windows");
        assert_eq!(os_family("Windows 11"), "windows");
        assert_eq!(os_family("Ios 17"), "ios");
    }

    #[test]
    fn prefixes_group_neighbours() {
        let a: IpAddr = "198.51.100.7".parse().unwrap();
        let b: IpAddr = "198.51.100.200".parse().unwrap();
        let c: IpAddr = "198.51.101.7".parse().unwrap();
        assert_eq!(prefix_of(a), prefix_of(b));
        assert_ne!(prefix_of(a), prefix_of(c));
        let d: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let e: IpAddr = "2001:db8:1:ffff::9".parse().unwrap();
        assert_eq!(prefix_of(d), prefix_of(e));
    }

    #[test]
    fn hashes_are_stable_and_nonzero() {
        assert_eq!(hash_str("abc"), hash_str("abc"));
        assert_ne!(hash_str("abc"), hash_str("abd"));
        assert_ne!(hash_str(""), 0);
        assert_eq!(hash_lower("Windows"), hash_str("windows"));
        assert_eq!(hash_os_family("Windows10"), hash_os_family("windows 11"));
        let long = "A".repeat(130);
        assert_eq!(hash_lower(&long), hash_lower(&long.to_ascii_lowercase()));
        assert_ne!(hash_lower(&long), hash_lower(&"A".repeat(129)));
    }
}
