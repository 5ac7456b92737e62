//! Raw record types: the union of every input shape's field names.
//!
//! One struct, [`RawRecord`], reads an Event Hub envelope, its `properties`, a Graph
//! `signIn` or `directoryAudit`, a Log Analytics row (PascalCase, dynamic columns as JSON
//! text) and, through the CSV path's key mapping, an admin-center download row. Container
//! keys (`records`, `value`) are fields too, so any JSON document is read in a single typed
//! pass with no intermediate `serde_json::Value`: the fast path. Unknown keys are skipped.
//!
//! Keys that mean different things in different shapes are kept apart: the envelope's
//! `resourceId` is an Azure resource path while a sign-in's is the resource app id, so the
//! normalizer tells them apart by content; Log Analytics `TenantId` is the workspace, not the
//! Entra tenant (`AADTenantId`), so it is not read.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::lenient::{JsonOr, LBool, LInt, LStr, LF64};

/// Any Entra log record, envelope or container (see the module docs).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawRecord {
    // ---- containers ----
    pub records: Option<Vec<RawRecord>>,
    pub value: Option<Vec<RawRecord>>,

    // ---- Azure Monitor envelope / Log Analytics ----
    pub time: LStr,
    #[serde(rename = "TimeGenerated")]
    pub time_generated: LStr,
    #[serde(alias = "Category")]
    pub category: LStr,
    #[serde(rename = "Type")]
    pub la_type: LStr,
    #[serde(rename = "tenantId", alias = "AADTenantId")]
    pub tenant_id: LStr,
    #[serde(rename = "resultType", alias = "ResultType")]
    pub result_type: LStr,
    #[serde(rename = "callerIpAddress")]
    pub caller_ip_address: LStr,
    pub properties: Option<Box<RawRecord>>,

    // ---- sign-in (Graph camelCase / Log Analytics PascalCase) ----
    #[serde(alias = "Id")]
    pub id: LStr,
    #[serde(rename = "createdDateTime", alias = "CreatedDateTime")]
    pub created_date_time: LStr,
    #[serde(rename = "correlationId", alias = "CorrelationId")]
    pub correlation_id: LStr,
    #[serde(rename = "sessionId", alias = "SessionId")]
    pub session_id: LStr,
    #[serde(rename = "originalRequestId", alias = "OriginalRequestId")]
    pub original_request_id: LStr,
    #[serde(rename = "userId", alias = "UserId")]
    pub user_id: LStr,
    #[serde(rename = "userPrincipalName", alias = "UserPrincipalName")]
    pub user_principal_name: LStr,
    #[serde(rename = "userDisplayName", alias = "UserDisplayName")]
    pub user_display_name: LStr,
    #[serde(rename = "userType", alias = "UserType")]
    pub user_type: LStr,
    #[serde(rename = "isInteractive", alias = "IsInteractive")]
    pub is_interactive: LBool,
    #[serde(rename = "signInEventTypes", alias = "SignInEventTypes")]
    pub sign_in_event_types: JsonOr<Vec<LStr>>,
    #[serde(rename = "appId", alias = "AppId")]
    pub app_id: LStr,
    #[serde(rename = "appDisplayName", alias = "AppDisplayName")]
    pub app_display_name: LStr,
    /// A resource app id (sign-ins) or an Azure resource path (envelope, Log Analytics).
    #[serde(rename = "resourceId", alias = "ResourceId")]
    pub resource_id: LStr,
    #[serde(rename = "ResourceIdentity")]
    pub resource_identity: LStr,
    #[serde(rename = "resourceDisplayName", alias = "ResourceDisplayName")]
    pub resource_display_name: LStr,
    #[serde(rename = "servicePrincipalId", alias = "ServicePrincipalId")]
    pub service_principal_id: LStr,
    #[serde(rename = "servicePrincipalName", alias = "ServicePrincipalName")]
    pub service_principal_name: LStr,
    #[serde(rename = "ipAddress", alias = "IPAddress")]
    pub ip_address: LStr,
    #[serde(rename = "autonomousSystemNumber", alias = "AutonomousSystemNumber")]
    pub autonomous_system_number: LInt,
    /// An object in Graph and Event Hub properties; a country code on the envelope and in
    /// Log Analytics.
    #[serde(alias = "Location")]
    pub location: LocationField,
    #[serde(rename = "LocationDetails")]
    pub location_details: JsonOr<RawLocation>,
    #[serde(rename = "deviceDetail", alias = "DeviceDetail")]
    pub device_detail: JsonOr<RawDevice>,
    #[serde(rename = "userAgent", alias = "UserAgent")]
    pub user_agent: LStr,
    #[serde(rename = "clientAppUsed", alias = "ClientAppUsed")]
    pub client_app_used: LStr,
    #[serde(rename = "authenticationProtocol", alias = "AuthenticationProtocol")]
    pub authentication_protocol: LStr,
    #[serde(rename = "incomingTokenType", alias = "IncomingTokenType")]
    pub incoming_token_type: LStr,
    #[serde(
        rename = "authenticationRequirement",
        alias = "AuthenticationRequirement"
    )]
    pub authentication_requirement: LStr,
    #[serde(rename = "authenticationDetails", alias = "AuthenticationDetails")]
    pub authentication_details: JsonOr<Vec<RawAuthStep>>,
    #[serde(alias = "Status")]
    pub status: JsonOr<RawStatus>,
    #[serde(rename = "conditionalAccessStatus", alias = "ConditionalAccessStatus")]
    pub conditional_access_status: LStr,
    #[serde(rename = "riskLevelDuringSignIn", alias = "RiskLevelDuringSignIn")]
    pub risk_level_during_sign_in: LStr,
    #[serde(rename = "riskLevelAggregated", alias = "RiskLevelAggregated")]
    pub risk_level_aggregated: LStr,
    #[serde(rename = "riskState", alias = "RiskState")]
    pub risk_state: LStr,
    #[serde(rename = "riskDetail", alias = "RiskDetail")]
    pub risk_detail: LStr,
    #[serde(rename = "riskEventTypes_v2", alias = "RiskEventTypes_V2")]
    pub risk_event_types_v2: JsonOr<Vec<LStr>>,

    // ---- flat admin-center download columns (keys set by the CSV path) ----
    #[serde(rename = "status.errorCode")]
    pub flat_error_code: LInt,
    #[serde(rename = "status.failureReason")]
    pub flat_failure_reason: LStr,
    #[serde(rename = "status.additionalDetails")]
    pub flat_additional_details: LStr,
    #[serde(rename = "deviceDetail.deviceId")]
    pub flat_device_id: LStr,
    #[serde(rename = "deviceDetail.browser")]
    pub flat_browser: LStr,
    #[serde(rename = "deviceDetail.operatingSystem")]
    pub flat_operating_system: LStr,
    #[serde(rename = "deviceDetail.isCompliant")]
    pub flat_is_compliant: LBool,
    #[serde(rename = "deviceDetail.isManaged")]
    pub flat_is_managed: LBool,
    #[serde(rename = "deviceDetail.trustType")]
    pub flat_trust_type: LStr,
    /// `City, State, CC` as the portal joins it.
    #[serde(rename = "portal.location")]
    pub portal_location: LStr,
    #[serde(rename = "initiatedBy.user.id")]
    pub flat_actor_id: LStr,
    #[serde(rename = "initiatedBy.user.displayName")]
    pub flat_actor_display_name: LStr,
    #[serde(rename = "initiatedBy.user.userPrincipalName")]
    pub flat_actor_upn: LStr,
    #[serde(rename = "initiatedBy.user.ipAddress")]
    pub flat_actor_ip: LStr,
    #[serde(rename = "initiatedBy.app.servicePrincipalId")]
    pub flat_actor_sp_id: LStr,
    #[serde(rename = "initiatedBy.app.displayName")]
    pub flat_actor_app_name: LStr,

    // ---- directory audit ----
    #[serde(rename = "activityDisplayName", alias = "ActivityDisplayName")]
    pub activity_display_name: LStr,
    #[serde(rename = "activityDateTime", alias = "ActivityDateTime")]
    pub activity_date_time: LStr,
    #[serde(alias = "Result")]
    pub result: LStr,
    #[serde(rename = "resultReason", alias = "ResultReason")]
    pub result_reason: LStr,
    #[serde(rename = "loggedByService", alias = "LoggedByService")]
    pub logged_by_service: LStr,
    #[serde(rename = "operationType", alias = "AADOperationType")]
    pub operation_type: LStr,
    #[serde(rename = "initiatedBy", alias = "InitiatedBy")]
    pub initiated_by: JsonOr<RawInitiatedBy>,
    #[serde(rename = "targetResources", alias = "TargetResources")]
    pub target_resources: JsonOr<Vec<RawTarget>>,
}

/// `location` is an object (Graph) or a country code string (envelope, Log Analytics), or a
/// string holding the object's JSON.
#[derive(Debug, Default)]
pub struct LocationField {
    pub country: Option<String>,
    pub details: Option<RawLocation>,
}

impl<'de> Deserialize<'de> for LocationField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LocationField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a location object or a country code")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<LocationField, A::Error> {
                let details = RawLocation::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(LocationField {
                    country: None,
                    details: Some(details),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocationField, E> {
                let t = v.trim();
                if t.starts_with('{') {
                    let details = serde_json::from_str::<RawLocation>(t).map_err(|e| {
                        E::custom(format_args!("location JSON text is invalid: {e}"))
                    })?;
                    return Ok(LocationField {
                        country: None,
                        details: Some(details),
                    });
                }
                Ok(LocationField {
                    country: (!t.is_empty()).then(|| t.to_owned()),
                    details: None,
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<LocationField, E> {
                Ok(LocationField::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<LocationField, E> {
                Ok(LocationField::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LocationField, D::Error> {
                LocationField::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawLocation {
    pub city: LStr,
    pub state: LStr,
    #[serde(rename = "countryOrRegion")]
    pub country_or_region: LStr,
    #[serde(rename = "geoCoordinates")]
    pub geo_coordinates: JsonOr<RawGeo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawGeo {
    pub latitude: LF64,
    pub longitude: LF64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawDevice {
    #[serde(rename = "deviceId")]
    pub device_id: LStr,
    #[serde(rename = "operatingSystem")]
    pub operating_system: LStr,
    pub browser: LStr,
    #[serde(rename = "isCompliant")]
    pub is_compliant: LBool,
    #[serde(rename = "isManaged")]
    pub is_managed: LBool,
    #[serde(rename = "trustType")]
    pub trust_type: LStr,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawStatus {
    #[serde(rename = "errorCode")]
    pub error_code: LInt,
    #[serde(rename = "failureReason")]
    pub failure_reason: LStr,
    #[serde(rename = "additionalDetails")]
    pub additional_details: LStr,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawAuthStep {
    #[serde(rename = "authenticationMethod")]
    pub authentication_method: LStr,
    pub succeeded: LBool,
    #[serde(rename = "authenticationStepResultDetail")]
    pub result_detail: LStr,
    #[serde(rename = "authenticationStepRequirement")]
    pub requirement: LStr,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawInitiatedBy {
    pub user: JsonOr<RawUserIdentity>,
    pub app: JsonOr<RawAppIdentity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawUserIdentity {
    pub id: LStr,
    #[serde(rename = "displayName")]
    pub display_name: LStr,
    #[serde(rename = "userPrincipalName")]
    pub user_principal_name: LStr,
    #[serde(rename = "ipAddress")]
    pub ip_address: LStr,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawAppIdentity {
    #[serde(rename = "appId")]
    pub app_id: LStr,
    #[serde(rename = "displayName")]
    pub display_name: LStr,
    #[serde(rename = "servicePrincipalId")]
    pub service_principal_id: LStr,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawTarget {
    pub id: LStr,
    #[serde(rename = "displayName")]
    pub display_name: LStr,
    #[serde(rename = "type", alias = "Type")]
    pub kind: LStr,
    #[serde(rename = "userPrincipalName")]
    pub user_principal_name: LStr,
    #[serde(rename = "modifiedProperties")]
    pub modified_properties: JsonOr<Vec<RawModifiedProperty>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawModifiedProperty {
    #[serde(rename = "displayName")]
    pub display_name: LStr,
    #[serde(rename = "oldValue")]
    pub old_value: LStr,
    #[serde(rename = "newValue")]
    pub new_value: LStr,
}
