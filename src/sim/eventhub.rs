//! Normalized events back to Azure Event Hub records (`{"records":[...]}` messages), with
//! the fields real diagnostic-settings records carry, so simulated data exercises the same
//! decoder as production data and has realistic size (2-3 KB per sign-in).

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::Simulation;
use crate::ingest::time::format_timestamp;
use crate::model::{AuditEvent, SignIn, SignInCategory};

/// A token identifier shaped like Entra's (22 base64-ish characters) from the request id.
fn token_id(request_id: &str) -> String {
    let compact: String = request_id.chars().filter(|c| *c != '-').take(20).collect();
    format!("{compact}AA")
}

/// One sign-in as an Event Hub record.
pub fn sign_in_record(s: &SignIn) -> Value {
    let time = format_timestamp(s.time);
    let interactive = s.category == SignInCategory::Interactive;
    let ip = s.ip_address.map(|i| i.to_string()).unwrap_or_default();
    let mut status = json!({ "errorCode": s.status.error_code });
    if s.status.error_code != 0 {
        status["failureReason"] = json!(s.status.failure_reason);
    }
    if !s.status.additional_details.is_empty() {
        status["additionalDetails"] = json!(s.status.additional_details);
    }
    let auth_details = if interactive {
        json!([{
            "authenticationStepDateTime": time,
            "authenticationMethod": if s.status.error_code == 50126 { "Password" } else { "Previously satisfied" },
            "succeeded": s.status.error_code == 0,
            "authenticationStepResultDetail": if s.status.error_code == 0 { "First factor requirement satisfied by claim in the token" } else { "Invalid username or password or Invalid on-premise username or password." },
            "authenticationStepRequirement": "Primary authentication",
            "StatusSequence": 0,
            "RequestSequence": 0
        }])
    } else {
        json!([])
    };
    json!({
        "time": time,
        "resourceId": format!("/tenants/{}/providers/Microsoft.aadiam", s.tenant_id),
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": s.category.as_str(),
        "tenantId": s.tenant_id,
        "resultType": s.status.error_code.to_string(),
        "resultSignature": "None",
        "resultDescription": if s.status.error_code == 0 { Value::Null } else { json!(s.status.failure_reason) },
        "durationMs": 0,
        "callerIpAddress": ip,
        "correlationId": s.correlation_id,
        "identity": s.user_display_name,
        "Level": 4,
        "location": s.location.country,
        "properties": {
            "id": s.request_id,
            "createdDateTime": time,
            "userDisplayName": s.user_display_name,
            "userPrincipalName": s.user_principal_name,
            "userId": s.user_id,
            "appId": s.app_id,
            "appDisplayName": s.app_display_name,
            "ipAddress": ip,
            "status": status,
            "clientAppUsed": s.client_app_used,
            "userAgent": s.user_agent,
            "deviceDetail": {
                "deviceId": s.device.id,
                "displayName": if s.device.id.is_empty() { "" } else { "CONTOSO-LT" },
                "operatingSystem": s.device.operating_system,
                "browser": s.device.browser,
                "isCompliant": s.device.is_compliant.unwrap_or(false),
                "isManaged": s.device.is_managed.unwrap_or(false),
                "trustType": s.device.trust_type
            },
            "location": {
                "city": s.location.city,
                "state": s.location.state,
                "countryOrRegion": s.location.country,
                "geoCoordinates": { "latitude": s.location.latitude, "longitude": s.location.longitude }
            },
            "mfaDetail": {},
            "correlationId": s.correlation_id,
            "conditionalAccessStatus": s.conditional_access_status,
            "appliedConditionalAccessPolicies": [
                { "id": "7e1e7a2c-3c5e-4f4b-9a0e-2c6b1f0d9a11", "displayName": "Require MFA for all users", "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [], "result": if s.status.error_code == 0 { "success" } else { "notApplied" }, "conditionsSatisfied": 3, "conditionsNotSatisfied": 0 },
                { "id": "0b4c2f8e-6d1a-4c7b-8e3f-5a9d2b7c1e22", "displayName": "Block legacy authentication", "enforcedGrantControls": ["Block"], "enforcedSessionControls": [], "result": "notApplied", "conditionsSatisfied": 1, "conditionsNotSatisfied": 8 }
            ],
            "originalRequestId": s.original_request_id,
            "isInteractive": interactive,
            "tokenIssuerName": "",
            "tokenIssuerType": "AzureAD",
            "authenticationProcessingDetails": [
                { "key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False" },
                { "key": "Oauth Scope Info", "value": "[\"email\",\"openid\",\"profile\",\"offline_access\"]" },
                { "key": "Is CAE Token", "value": "True" }
            ],
            "networkLocationDetails": [],
            "processingTimeInMilliseconds": 87,
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes": [],
            "riskEventTypes_v2": [],
            "resourceDisplayName": s.resource_display_name,
            "resourceId": s.resource_id,
            "resourceTenantId": s.tenant_id,
            "homeTenantId": s.tenant_id,
            "tenantId": s.tenant_id,
            "authenticationDetails": auth_details,
            "authenticationRequirementPolicies": [],
            "sessionLifetimePolicies": [],
            "authenticationRequirement": s.authentication_requirement,
            "servicePrincipalId": "",
            "userType": "Member",
            "flaggedForReview": false,
            "isTenantRestricted": false,
            "autonomousSystemNumber": s.asn,
            "crossTenantAccessType": "none",
            "privateLinkDetails": {},
            "ssoExtensionVersion": "",
            "uniqueTokenIdentifier": token_id(&s.request_id),
            "incomingTokenType": s.incoming_token_type,
            "authenticationProtocol": s.authentication_protocol,
            "sessionId": s.session_id,
            "signInTokenProtectionStatus": "none"
        }
    })
}

/// One audit event as an Event Hub record.
pub fn audit_record(a: &AuditEvent) -> Value {
    let time = format_timestamp(a.time);
    let i = &a.initiated_by;
    json!({
        "time": time,
        "resourceId": format!("/tenants/{}/providers/Microsoft.aadiam", a.tenant_id),
        "operationName": a.activity_display_name,
        "operationVersion": "1.0",
        "category": "AuditLogs",
        "tenantId": a.tenant_id,
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": i.ip_address,
        "correlationId": a.correlation_id,
        "identity": i.user_display_name,
        "Level": 4,
        "properties": {
            "id": a.id,
            "category": a.category,
            "correlationId": a.correlation_id,
            "result": a.result,
            "resultReason": a.result_reason,
            "activityDisplayName": a.activity_display_name,
            "activityDateTime": time,
            "loggedByService": a.logged_by_service,
            "operationType": a.operation_type,
            "initiatedBy": { "user": { "id": i.user_id, "displayName": i.user_display_name, "userPrincipalName": i.user_principal_name, "ipAddress": i.ip_address } },
            "targetResources": a.target_resources.iter().map(|t| json!({ "id": t.id, "displayName": t.display_name, "type": t.kind, "userPrincipalName": t.user_principal_name, "modifiedProperties": [] })).collect::<Vec<_>>(),
            "additionalDetails": []
        }
    })
}

/// Groups records into Event Hub messages of 1-4 records (as Azure batches them).
pub fn messages(records: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < records.len() {
        // Deterministic batch sizes 1..=4 from the position.
        let n = 1 + (i * 7 + 3) % 4;
        let end = (i + n).min(records.len());
        out.push(json!({ "records": &records[i..end] }).to_string());
        i = end;
    }
    out
}

/// File name per category, as the Event Hubs that diagnostic settings create are named.
pub fn topic_for(category: SignInCategory) -> &'static str {
    match category {
        SignInCategory::Interactive => "insights-logs-signinlogs",
        SignInCategory::NonInteractive => "insights-logs-noninteractiveusersigninlogs",
        SignInCategory::ServicePrincipal => "insights-logs-serviceprincipalsigninlogs",
        SignInCategory::ManagedIdentity => "insights-logs-managedidentitysigninlogs",
    }
}

fn write_file(path: &Path, lines: &[String], gzip: bool) -> std::io::Result<()> {
    let f = std::fs::File::create(path)?;
    if gzip {
        let mut w = flate2::write::GzEncoder::new(
            std::io::BufWriter::new(f),
            flate2::Compression::default(),
        );
        for l in lines {
            writeln!(w, "{l}")?;
        }
        w.finish()?.flush()
    } else {
        let mut w = std::io::BufWriter::new(f);
        for l in lines {
            writeln!(w, "{l}")?;
        }
        w.flush()
    }
}

/// Writes a simulation to `dir`: `logs/` with one NDJSON file per Event Hub, `labels.json`,
/// and `riskd.toml` (the operator lists the simulated tenant would configure).
pub fn write(sim: &Simulation, dir: &Path, gzip: bool) -> std::io::Result<Vec<String>> {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let ext = if gzip { "ndjson.gz" } else { "ndjson" };
    let mut written = Vec::new();
    for cat in [SignInCategory::Interactive, SignInCategory::NonInteractive] {
        let records: Vec<Value> = sim
            .sign_ins
            .iter()
            .filter(|s| s.category == cat)
            .map(sign_in_record)
            .collect();
        let path = logs.join(format!("{}.{ext}", topic_for(cat)));
        write_file(&path, &messages(&records), gzip)?;
        written.push(path.display().to_string());
    }
    let audits: Vec<Value> = sim.audits.iter().map(audit_record).collect();
    let path = logs.join(format!("insights-logs-auditlogs.{ext}"));
    write_file(&path, &messages(&audits), gzip)?;
    written.push(path.display().to_string());
    let labels = dir.join("labels.json");
    std::fs::write(
        &labels,
        serde_json::to_string_pretty(&sim.labels).unwrap_or_default() + "\n",
    )?;
    written.push(labels.display().to_string());
    let cfg = dir.join("riskd.toml");
    std::fs::write(
        &cfg,
        format!(
            "# Operator lists for the simulated tenant (riskd simulate).\n[detect.lists]\nanonymizer_cidrs = [\"{}\"]\n",
            super::world::TOR_CIDR
        ),
    )?;
    written.push(cfg.display().to_string());
    Ok(written)
}
