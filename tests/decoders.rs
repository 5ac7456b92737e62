//! Decoder tests: every input shape, asserting decoded values.

mod common;

use std::io::Write;

use common::*;
use riskd::model::{ErrorClass, SignInCategory};

fn ts(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[test]
fn shared_samples_decode_without_dead_letters() {
    let dir = shared_samples();
    let mut total_events = 0;
    let mut skipped = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("ndjson") {
            continue;
        }
        let c = decode_path(&path);
        assert!(
            c.dead_letters.is_empty(),
            "{}: {:?}",
            path.display(),
            c.dead_letters
        );
        total_events += c.events.len();
        skipped += c.skipped.values().sum::<u64>();
    }
    // 11 Event Hub audit + 79 Graph (78 audit + 1 sign-in) + 6 + 1 + 1 sign-ins.
    assert_eq!(total_events, 98);
    // 3 MicrosoftGraphActivityLogs + 5 UserRiskEvents, counted not failed.
    assert_eq!(skipped, 8);
}

#[test]
fn event_hub_signin_fields() {
    let c = decode_path(&shared_samples().join("eventhub-noninteractiveusersigninlogs.ndjson"));
    let s = signins(&c)[0];
    assert_eq!(s.category, SignInCategory::NonInteractive);
    assert_eq!(s.request_id, "77777777-7777-7777-7777-777777777777");
    assert_eq!(s.time, ts("2025-07-24T15:30:17.7974412Z"));
    assert_eq!(s.user_principal_name, "john.doe@company.com");
    assert_eq!(s.user_id, "user1");
    assert_eq!(s.app_display_name, "Microsoft Intune Windows Agent");
    assert_eq!(s.ip_address, Some("1.2.3.4".parse().unwrap()));
    assert_eq!(s.asn, Some(62044));
    assert_eq!(s.location.city, "Paris");
    assert_eq!(s.location.country, "FR");
    assert!((s.location.latitude.unwrap() - 48.8535).abs() < 1e-3);
    assert_eq!(s.device.operating_system, "Windows10");
    assert_eq!(s.device.is_managed, Some(true));
    assert_eq!(s.device.trust_type, "Hybrid Azure AD joined");
    assert_eq!(s.status.error_code, 0);
    assert_eq!(
        s.status.additional_details,
        "MFA requirement satisfied by claim in the token"
    );
    assert_eq!(s.incoming_token_type, "primaryRefreshToken");
    assert_eq!(
        s.original_request_id,
        "55555555-5555-5555-5555-555555555555"
    );
    assert_eq!(s.user_type, "member");
}

#[test]
fn event_hub_service_principal_is_keyed_by_its_id() {
    let c = decode_path(&shared_samples().join("eventhub-serviceprincipalsigninlogs.ndjson"));
    let s = signins(&c)[0];
    assert_eq!(s.category, SignInCategory::ServicePrincipal);
    assert!(!s.user_key().is_empty());
}

#[test]
fn event_hub_audit_fields() {
    let c = decode_path(&shared_samples().join("eventhub-auditlogs.ndjson"));
    let a = audits(&c);
    assert_eq!(a.len(), 11);
    let first = a[0];
    assert_eq!(first.activity_display_name, "Add unverified domain");
    assert_eq!(first.category, "DirectoryManagement");
    assert_eq!(first.result, "success");
    assert_eq!(first.operation_type, "Add");
    assert_eq!(first.initiated_by.user_principal_name, "user1");
    assert_eq!(first.initiated_by.ip_address, "", "<null> is no address");
    assert_eq!(first.tenant_id, "22222222-2222-2222-2222-222222222222");
    assert_eq!(
        first.target_resources[0].display_name,
        "examplecorp.onmicrosoft.com"
    );
    assert_eq!(
        first.target_resources[0].modified_properties[0].display_name,
        "Name"
    );
    assert_eq!(first.time, ts("2019-06-24T09:21:27.3694184Z"));
}

#[test]
fn graph_directory_audit_and_signin_in_one_file() {
    let c = decode_path(&shared_samples().join("graph-directoryaudit.ndjson"));
    assert_eq!(audits(&c).len(), 78);
    let s = signins(&c);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].time, ts("2023-12-01T16:03:35Z"));
    let a = audits(&c)[0];
    assert_eq!(a.activity_display_name, "Add member to group");
    assert_eq!(
        a.target_resources[0].kind, "Group",
        "`Type` with a capital T is read"
    );
    assert_eq!(a.target_resources[1].user_principal_name, "bob@contoso.com");
}

#[test]
fn graph_page_and_array_download() {
    for name in ["graph-signins-page.json", "portal-download-signins.json"] {
        let c = decode_path(&fixture(name));
        assert!(c.dead_letters.is_empty(), "{name}: {:?}", c.dead_letters);
        let s = signins(&c);
        assert_eq!(s.len(), 2, "{name}");
        assert_eq!(s[0].user_principal_name, "erin@contoso.com");
        assert_eq!(
            s[0].ip_address,
            Some("2001:db8:85a3::8a2e:370:7334".parse().unwrap())
        );
        assert_eq!(s[0].location.country, "CA");
        assert_eq!(s[0].microsoft_risk.level_during_sign_in, "hidden");
        assert_eq!(s[1].category, SignInCategory::NonInteractive);
        assert_eq!(
            s[1].status.error_code, 50053,
            "error code as a string is accepted"
        );
        assert_eq!(
            s[1].time,
            ts("2024-07-23T19:20:10.1234567Z"),
            "offset applied"
        );
        assert_eq!(s[1].location.country, "NG", "country upper-cased");
        assert_eq!(
            ErrorClass::classify(s[1].status.error_code, ""),
            ErrorClass::Lockout
        );
    }
}

#[test]
fn log_analytics_csv_signins() {
    let c = decode_path(&fixture("la-signinlogs.csv"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let s = signins(&c);
    assert_eq!(s.len(), 2);
    let a = s[0];
    assert_eq!(a.category, SignInCategory::Interactive);
    assert_eq!(
        a.time,
        ts("2023-09-19T13:45:16Z"),
        "CreatedDateTime [UTC] in US locale"
    );
    assert_eq!(a.user_principal_name, "alice@contoso.com");
    assert_eq!(
        a.tenant_id, "4bbb79f7-5724-4c9e-95f3-de075f6ec090",
        "AADTenantId, not the workspace"
    );
    assert_eq!(a.status.error_code, 50126);
    assert_eq!(a.location.city, "Amsterdam");
    assert_eq!(a.location.country, "NL");
    assert_eq!(a.asn, Some(60729));
    assert_eq!(a.user_agent, "BAV2ROPC");
    assert_eq!(a.client_app_used, "Exchange ActiveSync");
    assert_eq!(a.authentication_protocol, "ropc");
    assert_eq!(
        a.resource_id, "00000002-0000-0ff1-ce00-000000000000",
        "ResourceIdentity, not the Azure path"
    );
    assert_eq!(a.device.browser, "Rich Client 4.40.0.0");
    assert_eq!(a.authentication_details.len(), 1);
    assert_eq!(a.authentication_details[0].succeeded, Some(false));
    assert_eq!(
        a.microsoft_risk.event_types,
        vec!["unfamiliarFeatures", "anonymizedIPAddress"]
    );
    assert_eq!(a.microsoft_risk.level_during_sign_in, "high");
    let b = s[1];
    assert_eq!(b.time, ts("2023-09-19T08:02:03.100Z"));
    assert_eq!(b.ip_address, Some("2001:db8::10".parse().unwrap()));
    assert_eq!(b.device.is_compliant, Some(true));
    assert_eq!(b.device.trust_type, "Azure AD joined");
}

#[test]
fn log_analytics_json_noninteractive_with_json_text_columns() {
    let c = decode_path(&fixture("la-aadnoninteractive.json"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let s = signins(&c)[0];
    assert_eq!(s.category, SignInCategory::NonInteractive);
    assert_eq!(s.user_principal_name, "bob@contoso.com");
    assert_eq!(s.location.city, "London");
    assert_eq!(s.device.operating_system, "MacOs");
    assert_eq!(
        s.status.additional_details,
        "MFA requirement satisfied by claim in the token"
    );
    assert_eq!(s.session_id, "5e55e55e-0000-0000-0000-000000000001");
    assert_eq!(s.asn, Some(20712));
    assert_eq!(s.time, ts("2026-06-15T15:54:18.9876543Z"));
}

#[test]
fn log_analytics_csv_audit() {
    let c = decode_path(&fixture("la-auditlogs.csv"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let a = audits(&c)[0];
    assert_eq!(a.activity_display_name, "User registered security info");
    assert_eq!(a.time, ts("2026-06-15T16:00:59.123Z"));
    assert_eq!(
        a.initiated_by.user_id,
        "3de85a15-8640-465d-b916-d2eac620a718"
    );
    assert_eq!(a.initiated_by.ip_address, "81.2.69.142");
    assert_eq!(a.logged_by_service, "Authentication Methods");
    assert_eq!(a.operation_type, "Add");
    assert_eq!(
        a.subject_user_key(),
        Some("3de85a15-8640-465d-b916-d2eac620a718")
    );
}

#[test]
fn portal_signin_csv_current_header() {
    let c = decode_path(&fixture("InteractiveSignIns_2025-12-14_2025-12-20.csv"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let s = signins(&c);
    assert_eq!(s.len(), 2);
    // Newest first in the file.
    let mfa = s[0];
    assert_eq!(mfa.category, SignInCategory::Interactive);
    assert_eq!(mfa.time, ts("2025-12-20T08:19:41Z"));
    assert_eq!(mfa.status.error_code, 500121);
    assert_eq!(
        ErrorClass::classify(mfa.status.error_code, &mfa.status.additional_details),
        ErrorClass::MfaDenied
    );
    assert_eq!(mfa.location.city, "São Paulo");
    assert_eq!(mfa.location.state, "Sao Paulo");
    assert_eq!(mfa.location.country, "BR");
    assert_eq!(
        mfa.asn,
        Some(28573),
        "`Autonomous system  number` with a double space"
    );
    assert_eq!(
        mfa.app_id, "2793995e-0a7d-40d7-bd35-6968ba142197",
        "`Application ID ` with a trailing space"
    );
    assert_eq!(mfa.device.is_compliant, Some(false), "`No` is false");
    let ok = s[1];
    assert_eq!(ok.user_principal_name, "carol@contoso.com");
    assert_eq!(ok.location.city, "Melbourne");
    assert_eq!(ok.device.trust_type, "Azure AD joined");
    assert_eq!(ok.device.is_managed, Some(true));
    assert_eq!(ok.session_id, "5e55e55e-0000-0000-0000-000000000001");
    assert_eq!(
        ok.incoming_token_type, "none",
        "duplicated column keeps the first"
    );
    assert_eq!(ok.tenant_id, "4bbb79f7-5724-4c9e-95f3-de075f6ec090");
}

#[test]
fn portal_signin_csv_older_header_and_file_name_category() {
    let c = decode_path(&fixture("NonInteractiveSignIns_2024-10-01_2024-10-02.csv"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let s = signins(&c)[0];
    assert_eq!(
        s.category,
        SignInCategory::NonInteractive,
        "category from the file name"
    );
    assert_eq!(s.user_principal_name, "dan@contoso.com");
    assert_eq!(s.asn, Some(3320));
    assert_eq!(s.location.country, "DE");
    assert!(s.session_id.is_empty());
}

#[test]
fn portal_audit_csv_with_targets() {
    let c = decode_path(&fixture("AuditLogs_2025-12-20.csv"));
    assert!(c.dead_letters.is_empty(), "{:?}", c.dead_letters);
    let a = audits(&c)[0];
    assert_eq!(a.activity_display_name, "Add member to role");
    assert_eq!(a.category, "RoleManagement");
    assert_eq!(a.initiated_by.user_principal_name, "carol@contoso.com");
    assert_eq!(a.initiated_by.ip_address, "203.0.113.50");
    assert_eq!(a.target_resources.len(), 2);
    assert_eq!(a.target_resources[0].kind, "User");
    assert_eq!(a.target_resources[0].user_principal_name, "eve@contoso.com");
    assert_eq!(
        a.target_resources[0].modified_properties[0].new_value,
        "\"Global Administrator\""
    );
    assert_eq!(a.target_resources[1].display_name, "Global Administrator");
    assert_eq!(
        a.subject_user_key(),
        Some("6be85a15-8640-465d-b916-d2eac620a71b")
    );
}

#[test]
fn gzip_and_bare_and_pretty_inputs() {
    let text = std::fs::read(shared_samples().join("eventhub-signinlogs.ndjson")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let c = decode_bytes(&gz.finish().unwrap());
    assert!(c.dead_letters.is_empty());
    assert_eq!(signins(&c).len(), 6);

    // A pretty-printed Event Hub message holding all six records.
    let records: Vec<serde_json::Value> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let pretty = serde_json::to_vec_pretty(&serde_json::json!({ "records": records })).unwrap();
    let c = decode_bytes(&pretty);
    assert!(c.dead_letters.is_empty());
    assert_eq!(signins(&c).len(), 6);
}

#[test]
fn garbage_lines_become_one_dead_letter_each() {
    let c = decode_path(&fixture("garbage.ndjson"));
    assert_eq!(signins(&c).len(), 2);
    let mut kinds: Vec<(&str, u64)> = c
        .dead_letters
        .iter()
        .map(|d| match &d.source {
            riskd::ingest::Origin::File { line, .. } => (d.reason_kind.as_str(), *line),
            _ => unreachable!(),
        })
        .collect();
    kinds.sort_by_key(|k| k.1);
    assert_eq!(
        kinds,
        vec![
            ("invalid_json", 2),
            ("bad_timestamp", 3),
            ("invalid_json", 4),
            ("missing_user", 5)
        ]
    );
    let bad_time = c
        .dead_letters
        .iter()
        .find(|d| d.reason_kind == "bad_timestamp")
        .unwrap();
    assert!(
        bad_time.reason.contains("\"not a date\""),
        "{}",
        bad_time.reason
    );
    assert!(
        bad_time.original.contains("not a date"),
        "original bytes kept"
    );
}

#[test]
fn one_bad_record_in_an_envelope_spares_the_others() {
    let msg = r#"{"records":[
        {"time":"2025-01-01T00:00:00Z","category":"SignInLogs","properties":{"id":"r1","createdDateTime":"2025-01-01T00:00:00Z","userId":"u1","status":{"errorCode":0}}},
        {"time":"2025-01-01T00:00:01Z","category":"SignInLogs","properties":{"id":"r2","createdDateTime":"2025-01-01T00:00:01Z","userId":"u2","status":{"errorCode":"fifty"}}},
        {"time":"2025-01-01T00:00:02Z","category":"SignInLogs","properties":{"id":"r3","createdDateTime":"2025-01-01T00:00:02Z","userId":"u3"}}
    ]}"#
    .replace('\n', " ");
    let c = decode_bytes(msg.as_bytes());
    let ids: Vec<_> = signins(&c).iter().map(|s| s.request_id.clone()).collect();
    assert_eq!(ids, vec!["r1", "r3"]);
    assert_eq!(c.dead_letters.len(), 1);
    let d = &c.dead_letters[0];
    assert_eq!(d.reason_kind, "bad_field_type");
    assert!(
        d.reason.contains("properties.status.errorCode"),
        "{}",
        d.reason
    );
    assert!(
        d.original.contains("\"r2\"") && !d.original.contains("\"r1\""),
        "only its own bytes"
    );
    assert_eq!(d.source.to_string(), "mem:1 record 1");
}

#[test]
fn invalid_utf8_is_dead_lettered_as_such() {
    let c = decode_bytes(b"{\"records\":[{\"time\":\"\xff\xfe\"}]}\n");
    assert_eq!(c.dead_letters.len(), 1);
    assert_eq!(c.dead_letters[0].reason_kind, "invalid_utf8");
    assert_eq!(c.dead_letters[0].original_encoding, "base64");
}

#[test]
fn skipped_categories_are_counted() {
    let c = decode_path(&shared_samples().join("eventhub-microsoftgraphactivitylogs.ndjson"));
    assert!(c.events.is_empty() && c.dead_letters.is_empty());
    assert_eq!(c.skipped.get("MicrosoftGraphActivityLogs"), Some(&3));
}
