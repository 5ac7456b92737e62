//! Raw records to normalized events: picks the record kind, merges envelope and
//! `properties`, applies fallbacks between shapes, and checks what detection needs.

use std::net::IpAddr;

use super::error::DecodeError;
use super::lenient::LStr;
use super::raw::{RawLocation, RawRecord};
use super::time::parse_timestamp;
use crate::model::{
    AuditEvent, AuthStep, Device, Event, Initiator, Location, MicrosoftRisk, ModifiedProperty,
    SignIn, SignInCategory, Status, TargetResource,
};

/// What one raw record turned into.
#[derive(Debug)]
pub enum Normalized {
    Event(Event),
    /// A record of a category riskd does not read (`MicrosoftGraphActivityLogs`, `RiskyUsers`,
    /// ...): counted, not an error.
    Skipped(String),
}

/// Hints from outside the record (a file name such as `NonInteractiveSignIns_...csv`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints {
    pub category: Option<SignInCategory>,
}

/// Converts one record (an envelope with `properties`, or a bare record).
pub fn normalize(mut rec: RawRecord, hints: Hints) -> Result<Normalized, DecodeError> {
    if let Some(props) = rec.properties.take() {
        let category = rec.category.as_str().to_owned();
        if let Some(cat) = SignInCategory::from_name(&category) {
            return signin(*props, Some(&rec), Some(cat)).map(wrap_signin);
        }
        if category.eq_ignore_ascii_case("AuditLogs") {
            return audit(*props, Some(&rec)).map(wrap_audit);
        }
        if !category.is_empty() {
            return Ok(Normalized::Skipped(category));
        }
        // No category on the envelope: judge by the payload.
        return normalize_bare(*props, Some(&rec), hints);
    }
    normalize_bare(rec, None, hints)
}

fn wrap_signin(s: SignIn) -> Normalized {
    Normalized::Event(Event::SignIn(Box::new(s)))
}

fn wrap_audit(a: AuditEvent) -> Normalized {
    Normalized::Event(Event::Audit(Box::new(a)))
}

fn normalize_bare(
    rec: RawRecord,
    env: Option<&RawRecord>,
    hints: Hints,
) -> Result<Normalized, DecodeError> {
    // Log Analytics rows name their table.
    let table = rec.la_type.as_str();
    if !table.is_empty() {
        if let Some(cat) = SignInCategory::from_name(table) {
            return signin(rec, env, Some(cat)).map(wrap_signin);
        }
        if table.eq_ignore_ascii_case("AuditLogs") {
            return audit(rec, env).map(wrap_audit);
        }
        return Ok(Normalized::Skipped(table.to_owned()));
    }
    if rec.activity_display_name.is_set() {
        return audit(rec, env).map(wrap_audit);
    }
    if rec.created_date_time.is_set()
        || rec.user_principal_name.is_set()
        || rec.user_id.is_set()
        || rec.app_id.is_set()
    {
        let cat = SignInCategory::from_name(rec.category.as_str()).or(hints.category);
        return signin(rec, env, cat).map(wrap_signin);
    }
    // Records of other categories in Log Analytics/Graph shape carry their category.
    if rec.category.is_set() && env.is_none() {
        return Ok(Normalized::Skipped(rec.category.as_str().to_owned()));
    }
    Err(DecodeError::UnrecognizedShape)
}

fn first_set(values: &mut [&mut LStr]) -> String {
    for v in values.iter_mut() {
        if v.is_set() {
            return v.take();
        }
    }
    String::new()
}

fn time_of(field: &'static str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>, DecodeError> {
    parse_timestamp(raw).ok_or_else(|| DecodeError::BadTimestamp {
        field,
        value: raw.to_owned(),
    })
}

/// Tenant id from an Azure resource path `/tenants/<id>/providers/...`.
fn tenant_from_path(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/tenants/")
        .or_else(|| path.strip_prefix("/TENANTS/"))?;
    rest.split('/').next().filter(|s| !s.is_empty())
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let t = s.trim().trim_start_matches('[').trim_end_matches(']');
    t.parse().ok()
}

fn sign_in_category(rec: &RawRecord, given: Option<SignInCategory>) -> SignInCategory {
    if let Some(c) = given {
        return c;
    }
    if let Some(types) = &rec.sign_in_event_types.0 {
        if let Some(c) = types
            .iter()
            .find_map(|t| SignInCategory::from_name(t.as_str()))
        {
            return c;
        }
    }
    let has_user = rec.user_id.is_set() || rec.user_principal_name.is_set();
    if !has_user && rec.service_principal_id.is_set() {
        return SignInCategory::ServicePrincipal;
    }
    match rec.is_interactive.0 {
        Some(false) => SignInCategory::NonInteractive,
        _ => SignInCategory::Interactive,
    }
}

fn location(details: Option<RawLocation>, country: Option<String>, portal: &str) -> Location {
    let mut loc = Location::default();
    if let Some(mut d) = details {
        loc.city = d.city.take();
        loc.state = d.state.take();
        loc.country = d.country_or_region.take();
        if let Some(g) = d.geo_coordinates.0 {
            loc.latitude = g.latitude.0;
            loc.longitude = g.longitude.0;
        }
    }
    if !portal.trim().is_empty() {
        // The portal joins "City, State, CC"; split from the right.
        let parts: Vec<&str> = portal.rsplitn(3, ',').map(str::trim).collect();
        match parts.as_slice() {
            [cc, state, city] => {
                (loc.country, loc.state, loc.city) =
                    (cc.to_string(), state.to_string(), city.to_string())
            }
            [cc, city] => (loc.country, loc.city) = (cc.to_string(), city.to_string()),
            [cc] => loc.country = cc.to_string(),
            _ => {}
        }
    }
    if loc.country.is_empty() {
        loc.country = country.unwrap_or_default();
    }
    loc.country = loc.country.trim().to_ascii_uppercase();
    loc
}

fn signin(
    mut rec: RawRecord,
    env: Option<&RawRecord>,
    category: Option<SignInCategory>,
) -> Result<SignIn, DecodeError> {
    let category = sign_in_category(&rec, category);

    let time_raw = if rec.created_date_time.is_set() {
        ("createdDateTime", rec.created_date_time.as_str())
    } else if let Some(e) = env.filter(|e| e.time.is_set()) {
        ("time", e.time.as_str())
    } else if rec.time_generated.is_set() {
        ("TimeGenerated", rec.time_generated.as_str())
    } else if rec.time.is_set() {
        ("time", rec.time.as_str())
    } else {
        return Err(DecodeError::MissingField("createdDateTime"));
    };
    let time = time_of(time_raw.0, time_raw.1)?;

    let mut user_id = rec.user_id.take();
    let mut upn = rec.user_principal_name.take().trim().to_lowercase();
    let mut display = rec.user_display_name.take();
    if !category.is_user() {
        if user_id.is_empty() {
            user_id = rec.service_principal_id.take();
        }
        if display.is_empty() {
            display = rec.service_principal_name.take();
        }
    }
    if user_id.is_empty() && upn.is_empty() {
        return Err(DecodeError::MissingUser);
    }
    if upn.is_empty() && !category.is_user() {
        upn = display.to_lowercase();
    }

    let request_id = rec.id.take();
    if request_id.is_empty() {
        return Err(DecodeError::MissingField("id"));
    }

    let mut tenant_id = rec.tenant_id.take();
    if tenant_id.is_empty() {
        if let Some(e) = env {
            tenant_id = e.tenant_id.as_str().to_owned();
            if tenant_id.is_empty() {
                tenant_id = tenant_from_path(e.resource_id.as_str())
                    .unwrap_or("")
                    .to_owned();
            }
        }
    }
    // `resourceId` is an app id in sign-ins, but an Azure path in Log Analytics rows.
    let mut resource_id = rec.resource_id.take();
    if resource_id.starts_with('/') {
        if tenant_id.is_empty() {
            tenant_id = tenant_from_path(&resource_id).unwrap_or("").to_owned();
        }
        resource_id.clear();
    }
    if rec.resource_identity.is_set() {
        resource_id = rec.resource_identity.take();
    }

    let ip_raw = if rec.ip_address.is_set() {
        rec.ip_address.as_str()
    } else {
        env.map(|e| e.caller_ip_address.as_str()).unwrap_or("")
    };
    let ip_address = parse_ip(ip_raw);

    let details = rec
        .location
        .details
        .take()
        .or(rec.location_details.0.take());
    let country = rec
        .location
        .country
        .take()
        .or_else(|| env.and_then(|e| e.location.country.clone()));
    let location = location(details, country, rec.portal_location.as_str());

    let mut device = Device::default();
    if let Some(mut d) = rec.device_detail.0.take() {
        device = Device {
            id: d.device_id.take(),
            operating_system: d.operating_system.take(),
            browser: d.browser.take(),
            is_compliant: d.is_compliant.0,
            is_managed: d.is_managed.0,
            trust_type: d.trust_type.take(),
        };
    }
    if device.id.is_empty() {
        device.id = rec.flat_device_id.take();
    }
    if device.browser.is_empty() {
        device.browser = rec.flat_browser.take();
    }
    if device.operating_system.is_empty() {
        device.operating_system = rec.flat_operating_system.take();
    }
    device.is_compliant = device.is_compliant.or(rec.flat_is_compliant.0);
    device.is_managed = device.is_managed.or(rec.flat_is_managed.0);
    if device.trust_type.is_empty() {
        device.trust_type = rec.flat_trust_type.take();
    }

    let mut status = Status::default();
    let mut code = None;
    if let Some(mut s) = rec.status.0.take() {
        code = s.error_code.0;
        status.failure_reason = s.failure_reason.take();
        status.additional_details = s.additional_details.take();
    }
    code = code.or(rec.flat_error_code.0).or_else(|| {
        env.map(|e| e.result_type.as_str())
            .or(Some(rec.result_type.as_str()))
            .and_then(|s| s.trim().parse().ok())
    });
    status.error_code = code.unwrap_or(0);
    if status.failure_reason.is_empty() {
        status.failure_reason = rec.flat_failure_reason.take();
    }
    if status.additional_details.is_empty() {
        status.additional_details = rec.flat_additional_details.take();
    }

    let authentication_details = rec
        .authentication_details
        .0
        .take()
        .unwrap_or_default()
        .into_iter()
        .map(|mut s| AuthStep {
            method: s.authentication_method.take(),
            succeeded: s.succeeded.0,
            result_detail: s.result_detail.take(),
            requirement: s.requirement.take(),
        })
        .collect();

    let microsoft_risk = MicrosoftRisk {
        level_during_sign_in: rec.risk_level_during_sign_in.take(),
        level_aggregated: rec.risk_level_aggregated.take(),
        state: rec.risk_state.take(),
        detail: rec.risk_detail.take(),
        event_types: rec
            .risk_event_types_v2
            .0
            .take()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mut t| Some(t.take()).filter(|s| !s.is_empty()))
            .collect(),
    };

    let correlation_id = first_set(&mut [&mut rec.correlation_id]);
    Ok(SignIn {
        request_id,
        correlation_id,
        session_id: rec.session_id.take(),
        original_request_id: rec.original_request_id.take(),
        time,
        tenant_id,
        user_id,
        user_principal_name: upn,
        user_display_name: display,
        user_type: rec.user_type.take().to_ascii_lowercase(),
        category,
        app_id: rec.app_id.take(),
        app_display_name: rec.app_display_name.take(),
        resource_id,
        resource_display_name: rec.resource_display_name.take(),
        ip_address,
        asn: rec
            .autonomous_system_number
            .0
            .and_then(|n| u32::try_from(n).ok()),
        location,
        device,
        user_agent: rec.user_agent.take(),
        client_app_used: rec.client_app_used.take(),
        authentication_protocol: rec.authentication_protocol.take(),
        incoming_token_type: rec.incoming_token_type.take(),
        authentication_requirement: rec.authentication_requirement.take(),
        authentication_details,
        status,
        conditional_access_status: rec.conditional_access_status.take(),
        microsoft_risk,
    })
}

fn audit(mut rec: RawRecord, env: Option<&RawRecord>) -> Result<AuditEvent, DecodeError> {
    let time_raw = if rec.activity_date_time.is_set() {
        ("activityDateTime", rec.activity_date_time.as_str())
    } else if let Some(e) = env.filter(|e| e.time.is_set()) {
        ("time", e.time.as_str())
    } else if rec.time_generated.is_set() {
        ("TimeGenerated", rec.time_generated.as_str())
    } else {
        return Err(DecodeError::MissingField("activityDateTime"));
    };
    let time = time_of(time_raw.0, time_raw.1)?;
    let activity = rec.activity_display_name.as_str().trim().to_owned();
    if activity.is_empty() {
        return Err(DecodeError::MissingField("activityDisplayName"));
    }

    let mut initiated_by = Initiator::default();
    if let Some(i) = rec.initiated_by.0.take() {
        if let Some(mut u) = i.user.0 {
            initiated_by.user_id = u.id.take();
            initiated_by.user_principal_name = u.user_principal_name.take().to_lowercase();
            initiated_by.user_display_name = u.display_name.take();
            initiated_by.ip_address = u.ip_address.take();
        }
        if let Some(mut a) = i.app.0 {
            initiated_by.app_id = a.app_id.take();
            initiated_by.app_display_name = a.display_name.take();
            initiated_by.service_principal_id = a.service_principal_id.take();
        }
    }
    if initiated_by.user_id.is_empty() {
        initiated_by.user_id = rec.flat_actor_id.take();
    }
    if initiated_by.user_principal_name.is_empty() {
        initiated_by.user_principal_name = rec.flat_actor_upn.take().to_lowercase();
    }
    if initiated_by.user_display_name.is_empty() {
        initiated_by.user_display_name = rec.flat_actor_display_name.take();
    }
    if initiated_by.ip_address.is_empty() {
        initiated_by.ip_address = rec.flat_actor_ip.take();
    }
    if initiated_by.service_principal_id.is_empty() {
        initiated_by.service_principal_id = rec.flat_actor_sp_id.take();
    }
    if initiated_by.app_display_name.is_empty() {
        initiated_by.app_display_name = rec.flat_actor_app_name.take();
    }
    if initiated_by.ip_address == "<null>" {
        initiated_by.ip_address.clear();
    }

    let target_resources = rec
        .target_resources
        .0
        .take()
        .unwrap_or_default()
        .into_iter()
        .map(|mut t| TargetResource {
            id: t.id.take(),
            display_name: t.display_name.take(),
            kind: t.kind.take(),
            user_principal_name: t.user_principal_name.take().to_lowercase(),
            modified_properties: t
                .modified_properties
                .0
                .unwrap_or_default()
                .into_iter()
                .map(|mut p| ModifiedProperty {
                    display_name: p.display_name.take(),
                    old_value: p.old_value.take(),
                    new_value: p.new_value.take(),
                })
                .collect(),
        })
        .collect();

    let mut tenant_id = rec.tenant_id.take();
    if tenant_id.is_empty() {
        if let Some(e) = env {
            tenant_id = e.tenant_id.as_str().to_owned();
            if tenant_id.is_empty() {
                tenant_id = tenant_from_path(e.resource_id.as_str())
                    .unwrap_or("")
                    .to_owned();
            }
        }
    }
    let id = rec.id.take();
    Ok(AuditEvent {
        id,
        time,
        tenant_id,
        correlation_id: rec.correlation_id.take(),
        activity_display_name: activity,
        category: rec.category.take(),
        result: rec.result.take().to_ascii_lowercase(),
        result_reason: rec.result_reason.take(),
        logged_by_service: rec.logged_by_service.take(),
        operation_type: rec.operation_type.take(),
        initiated_by,
        target_resources,
    })
}
