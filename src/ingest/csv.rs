//! CSV inputs: Log Analytics / Sentinel exports and Entra admin-center downloads.
//!
//! Columns are matched by name, never by position. Header names are trimmed, runs of
//! whitespace collapsed and ` [UTC]` suffixes dropped (so `Application ID `, `Autonomous
//! system  number` and `TimeGenerated [UTC]` all match); a duplicated column keeps its first
//! occurrence. Each row becomes a map from the [`RawRecord`] key names to cell text and is
//! deserialized by the same lenient types as JSON, so numbers, booleans (`TRUE`) and dynamic
//! columns (JSON text) are read the same way in every format.

use serde::de::value::{Error as ValueError, MapDeserializer};
use serde::Deserialize;

use super::dead_letter::{DeadLetter, Origin};
use super::error::DecodeError;
use super::lenient::{JsonOr, LStr};
use super::normalize::{normalize, Hints, Normalized};
use super::raw::{RawModifiedProperty, RawRecord, RawTarget};
use super::Sink;

/// Which CSV export a header belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Log Analytics / Sentinel "Export to CSV" (PascalCase column names).
    LogAnalytics,
    /// Admin center sign-in log download (`Date (UTC)`, `Request ID`, ...).
    PortalSignIns,
    /// Admin center audit log download (`Date (UTC)`, `Activity`, `Target1Type`, ...).
    PortalAudit,
}

/// Normalizes a header: trim, collapse whitespace, drop a ` [UTC]` suffix.
fn clean_header(h: &str) -> String {
    let collapsed = h.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = collapsed.to_ascii_lowercase();
    match lower.strip_suffix("[utc]") {
        Some(_) => collapsed[..collapsed.len() - 5].trim_end().to_owned(),
        None => collapsed,
    }
}

/// Recognizes a CSV header line (already cleaned names).
pub fn detect_dialect(headers: &[String]) -> Option<Dialect> {
    let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    if has("Date (UTC)") && has("Activity") {
        Some(Dialect::PortalAudit)
    } else if has("Request ID") || (has("Date (UTC)") && has("Username")) {
        Some(Dialect::PortalSignIns)
    } else if has("TimeGenerated") || (has("Type") && has("Id")) || has("CreatedDateTime") {
        Some(Dialect::LogAnalytics)
    } else {
        None
    }
}

/// The [`RawRecord`] key for a portal sign-in download column (lower-cased, cleaned).
fn portal_signin_key(h: &str) -> Option<&'static str> {
    Some(match h {
        "date (utc)" | "date" => "createdDateTime",
        "request id" => "id",
        "user agent" => "userAgent",
        "correlation id" => "correlationId",
        "user id" => "userId",
        "user" => "userDisplayName",
        "username" => "userPrincipalName",
        "user type" => "userType",
        "incoming token type" => "incomingTokenType",
        "authentication protocol" => "authenticationProtocol",
        "application" => "appDisplayName",
        "application id" => "appId",
        "resource" => "resourceDisplayName",
        "resource id" => "resourceId",
        "resource tenant id" => "tenantId",
        "ip address" => "ipAddress",
        "location" => "portal.location",
        "sign-in error code" => "status.errorCode",
        "failure reason" => "status.failureReason",
        "client app" => "clientAppUsed",
        "device id" => "deviceDetail.deviceId",
        "browser" => "deviceDetail.browser",
        "operating system" => "deviceDetail.operatingSystem",
        "compliant" => "deviceDetail.isCompliant",
        "managed" => "deviceDetail.isManaged",
        "join type" => "deviceDetail.trustType",
        "multifactor authentication result" => "status.additionalDetails",
        "authentication requirement" => "authenticationRequirement",
        "session id" => "sessionId",
        "autonomous system number" => "autonomousSystemNumber",
        "conditional access" => "conditionalAccessStatus",
        "service principal id" => "servicePrincipalId",
        "service principal name" => "servicePrincipalName",
        _ => return None,
    })
}

/// The [`RawRecord`] key for a portal audit download column (lower-cased, cleaned).
fn portal_audit_key(h: &str) -> Option<&'static str> {
    Some(match h {
        "date (utc)" | "date" => "activityDateTime",
        "correlationid" => "correlationId",
        "service" => "loggedByService",
        "category" => "category",
        "activity" => "activityDisplayName",
        "result" => "result",
        "resultreason" => "resultReason",
        "actordisplayname" => "initiatedBy.user.displayName",
        "actorobjectid" => "initiatedBy.user.id",
        "actoruserprincipalname" => "initiatedBy.user.userPrincipalName",
        "ipaddress" => "initiatedBy.user.ipAddress",
        "actorserviceprincipalid" => "initiatedBy.app.servicePrincipalId",
        "actorserviceprincipalname" => "initiatedBy.app.displayName",
        _ => return None,
    })
}

/// Column layout: which cell feeds which key, plus portal audit target columns.
struct Layout {
    dialect: Dialect,
    keys: Vec<Option<String>>,
    /// `(target index 1.., field, column)`, field one of type/displayName/id/upn or
    /// `modified:<m>:<name|old|new>`.
    targets: Vec<(usize, String, usize)>,
}

impl Layout {
    fn new(dialect: Dialect, headers: &[String]) -> Layout {
        let mut seen = std::collections::HashSet::new();
        let mut keys = Vec::with_capacity(headers.len());
        let mut targets = Vec::new();
        for (col, h) in headers.iter().enumerate() {
            let lower = h.to_ascii_lowercase();
            let key = match dialect {
                Dialect::LogAnalytics => Some(h.clone()),
                Dialect::PortalSignIns => portal_signin_key(&lower).map(str::to_owned),
                Dialect::PortalAudit => {
                    if let Some(t) = parse_target_column(&lower) {
                        targets.push((t.0, t.1, col));
                        None
                    } else {
                        portal_audit_key(&lower).map(str::to_owned)
                    }
                }
            };
            // A duplicated column keeps its first occurrence.
            keys.push(key.filter(|k| seen.insert(k.clone())));
        }
        Layout {
            dialect,
            keys,
            targets,
        }
    }
}

/// `target2modifiedproperty3oldvalue` -> (2, "modified:3:old").
fn parse_target_column(h: &str) -> Option<(usize, String)> {
    let rest = h.strip_prefix("target")?;
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let n: usize = rest[..digits].parse().ok()?;
    let field = &rest[digits..];
    let f = match field {
        "type" => "type".to_owned(),
        "displayname" => "displayName".to_owned(),
        "objectid" => "id".to_owned(),
        "userprincipalname" => "upn".to_owned(),
        _ => {
            let m = field.strip_prefix("modifiedproperty")?;
            let d = m.chars().take_while(char::is_ascii_digit).count();
            let idx: usize = m[..d].parse().ok()?;
            let part = match &m[d..] {
                "name" => "name",
                "oldvalue" => "old",
                "newvalue" => "new",
                _ => return None,
            };
            format!("modified:{idx}:{part}")
        }
    };
    Some((n, f))
}

fn lstr(s: &str) -> LStr {
    LStr((!s.is_empty()).then(|| s.into()))
}

fn build_targets(layout: &Layout, cells: &[&str]) -> Vec<RawTarget> {
    let mut by_index: std::collections::BTreeMap<usize, RawTarget> = Default::default();
    let mut mods: std::collections::BTreeMap<(usize, usize), RawModifiedProperty> =
        Default::default();
    for (n, field, col) in &layout.targets {
        let v = cells.get(*col).copied().unwrap_or("").trim();
        if v.is_empty() {
            continue;
        }
        let t = by_index.entry(*n).or_default();
        match field.as_str() {
            "type" => t.kind = lstr(v),
            "displayName" => t.display_name = lstr(v),
            "id" => t.id = lstr(v),
            "upn" => t.user_principal_name = lstr(v),
            m => {
                let mut parts = m.split(':').skip(1);
                let idx: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
                let p = mods.entry((*n, idx)).or_default();
                match parts.next() {
                    Some("name") => p.display_name = lstr(v),
                    Some("old") => p.old_value = lstr(v),
                    _ => p.new_value = lstr(v),
                }
            }
        }
    }
    for ((n, _), p) in mods {
        let t = by_index.entry(n).or_default();
        t.modified_properties.0.get_or_insert_with(Vec::new).push(p);
    }
    by_index.into_values().collect()
}

fn decode_row(layout: &Layout, cells: &[&str], hints: Hints) -> Result<Normalized, DecodeError> {
    let pairs = layout
        .keys
        .iter()
        .zip(cells)
        .filter_map(|(k, v)| k.as_deref().map(|k| (k, *v)))
        .filter(|(_, v)| !v.trim().is_empty());
    let mut rec = RawRecord::deserialize(MapDeserializer::<_, ValueError>::new(pairs))
        .map_err(|e| DecodeError::FieldType(e.to_string()))?;
    if layout.dialect == Dialect::PortalAudit {
        let targets = build_targets(layout, cells);
        if !targets.is_empty() {
            rec.target_resources = JsonOr(Some(targets));
        }
    }
    normalize(rec, hints)
}

/// Decodes a whole CSV text. Returns `false` (and emits nothing) when the header is not
/// one riskd knows, so the caller can try another format.
pub fn decode_csv(text: &str, origin: &Origin, hints: Hints, sink: &mut impl Sink) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    let headers: Vec<String> = match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|h| clean_header(&String::from_utf8_lossy(h)))
            .collect(),
        _ => return false,
    };
    let Some(dialect) = detect_dialect(&headers) else {
        return false;
    };
    let layout = Layout::new(dialect, &headers);
    loop {
        let start = rdr.position().byte() as usize;
        let line = rdr.position().line();
        let o = origin.at_line(line);
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let end = (rdr.position().byte() as usize).min(text.len());
                let original = text.as_bytes()[start.min(end)..end].trim_ascii_end();
                let cells: Result<Vec<&str>, _> = rec.iter().map(std::str::from_utf8).collect();
                let result = match cells {
                    Ok(cells) if cells.iter().all(|c| c.trim().is_empty()) => continue,
                    Ok(cells) => decode_row(&layout, &cells, hints),
                    Err(e) => Err(DecodeError::InvalidUtf8 {
                        valid_up_to: e.valid_up_to(),
                    }),
                };
                match result {
                    Ok(Normalized::Event(e)) => sink.event(e),
                    Ok(Normalized::Skipped(c)) => sink.skipped(&c),
                    Err(err) => sink.dead_letter(DeadLetter::new(o, &err, original)),
                }
            }
            Err(e) => {
                let err = DecodeError::Csv(e.to_string());
                let rest = &text.as_bytes()[start.min(text.len())..];
                sink.dead_letter(DeadLetter::new(o, &err, rest));
                break;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_cleaning() {
        assert_eq!(clean_header("Application ID "), "Application ID");
        assert_eq!(
            clean_header("Autonomous system  number"),
            "Autonomous system number"
        );
        assert_eq!(clean_header("TimeGenerated [UTC]"), "TimeGenerated");
    }

    #[test]
    fn target_columns() {
        assert_eq!(parse_target_column("target1type"), Some((1, "type".into())));
        assert_eq!(
            parse_target_column("target2modifiedproperty3oldvalue"),
            Some((2, "modified:3:old".into()))
        );
        assert_eq!(parse_target_column("targetx"), None);
    }
}
