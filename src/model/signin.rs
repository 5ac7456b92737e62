//! The normalized sign-in: one shape for every input format.
//!
//! Decoders (`crate::ingest`) fill it from Event Hub records, Graph objects, Log Analytics
//! exports and admin-center downloads; the detection core (`crate::detect`) reads only this.
//! Strings are owned and empty when the source had no value; that keeps the struct flat and
//! cheap to move, and it serializes compactly (empty fields are skipped) for the repartition
//! topic.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which Entra log a sign-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInCategory {
    /// `SignInLogs` / `SigninLogs`: a person at a prompt.
    Interactive,
    /// `NonInteractiveUserSignInLogs`: token refreshes and silent sign-ins on a user's behalf.
    NonInteractive,
    /// `ServicePrincipalSignInLogs`: an app signing in as itself.
    ServicePrincipal,
    /// `ManagedIdentitySignInLogs`.
    ManagedIdentity,
}

impl SignInCategory {
    /// The Azure diagnostic-settings category name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInCategory::Interactive => "SignInLogs",
            SignInCategory::NonInteractive => "NonInteractiveUserSignInLogs",
            SignInCategory::ServicePrincipal => "ServicePrincipalSignInLogs",
            SignInCategory::ManagedIdentity => "ManagedIdentitySignInLogs",
        }
    }

    /// Parses a diagnostic category, a Log Analytics table name or a Graph `signInEventTypes`
    /// value.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "signinlogs" | "interactiveuser" | "interactive" => SignInCategory::Interactive,
            "noninteractiveusersigninlogs"
            | "aadnoninteractiveusersigninlogs"
            | "noninteractiveuser"
            | "noninteractive" => SignInCategory::NonInteractive,
            "serviceprincipalsigninlogs"
            | "aadserviceprincipalsigninlogs"
            | "microsoftserviceprincipalsigninlogs"
            | "serviceprincipal" => SignInCategory::ServicePrincipal,
            "managedidentitysigninlogs" | "aadmanagedidentitysigninlogs" | "managedidentity" => {
                SignInCategory::ManagedIdentity
            }
            _ => return None,
        })
    }

    /// Whether a person (not a workload) is behind the sign-in.
    pub fn is_user(self) -> bool {
        matches!(
            self,
            SignInCategory::Interactive | SignInCategory::NonInteractive
        )
    }
}

/// Where the sign-in came from, per Entra's geo-IP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Location {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub city: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// Two-letter country or region code, upper case.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

impl Location {
    /// Coordinates when both are present and not the (0, 0) placeholder.
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        match (self.latitude, self.longitude) {
            (Some(la), Some(lo)) if !(la == 0.0 && lo == 0.0) => Some((la, lo)),
            _ => None,
        }
    }
}

/// The device, as Entra saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Device {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub operating_system: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub browser: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_compliant: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_managed: Option<bool>,
    /// `Azure AD joined`, `Azure AD registered`, `Hybrid Azure AD joined` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub trust_type: String,
}

/// The sign-in's result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Status {
    /// `0` is success; see [`crate::model::ErrorClass`] for the rest.
    pub error_code: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_reason: String,
    /// Often the MFA result, e.g. `MFA denied; user declined the authentication`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub additional_details: String,
}

/// One step of the authentication (password, MFA ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthStep {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub succeeded: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub result_detail: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub requirement: String,
}

/// Microsoft's own risk verdict, when the log carries one (P2 tenants).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MicrosoftRisk {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub level_during_sign_in: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub level_aggregated: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub event_types: Vec<String>,
}

/// One sign-in, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    /// Graph `id`, the "Request ID".
    pub request_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original_request_id: String,
    /// Event time (`createdDateTime`), UTC.
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
    /// Object id of the user (or service principal for workload sign-ins).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// Lower-cased.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_principal_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_display_name: String,
    /// `member` or `guest`, lower-cased.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_type: String,
    pub category: SignInCategory,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_display_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default)]
    pub location: Location,
    #[serde(default)]
    pub device: Device,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
    /// `Browser`, `Mobile Apps and Desktop clients`, `Exchange ActiveSync`, `IMAP4` ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_app_used: String,
    /// `none`, `oAuth2`, `ropc`, `deviceCode`, `saml20` ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub authentication_protocol: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub incoming_token_type: String,
    /// `singleFactorAuthentication` or `multiFactorAuthentication`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub authentication_requirement: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authentication_details: Vec<AuthStep>,
    #[serde(default)]
    pub status: Status,
    /// `success`, `failure`, `notApplied`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conditional_access_status: String,
    #[serde(default)]
    pub microsoft_risk: MicrosoftRisk,
}

impl SignIn {
    /// The key that identifies the user: the object id, or the UPN when the log has no id.
    pub fn user_key(&self) -> &str {
        if self.user_id.is_empty() {
            &self.user_principal_name
        } else {
            &self.user_id
        }
    }

    /// Whether the sign-in succeeded (error code 0).
    pub fn succeeded(&self) -> bool {
        self.status.error_code == 0
    }
}
