//! The normalized directory audit event (Graph `directoryAudit`).
//!
//! Audit events matter to detection in two ways: a high-risk change (new MFA method, role
//! assignment, app credential, consent) shortly after a risky sign-in raises the user's risk,
//! and a secure password reset remediates it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who made the change: a user (with the IP they used) or an app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Initiator {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    /// Lower-cased.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_principal_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_principal_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_address: String,
}

/// One property a change modified; values are as logged (often JSON text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ModifiedProperty {
    pub display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub old_value: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub new_value: String,
}

/// An object the change was made to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TargetResource {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// `User`, `Group`, `ServicePrincipal`, `Application`, `Device`, `Role`, `Policy` ...
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Lower-cased.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user_principal_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modified_properties: Vec<ModifiedProperty>,
}

/// One directory audit event, normalized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    /// `activityDateTime`, UTC.
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub correlation_id: String,
    /// Trimmed; e.g. `User registered security info`.
    pub activity_display_name: String,
    /// `UserManagement`, `RoleManagement`, `ApplicationManagement` ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// `success`, `failure`, `timeout`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub result_reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub logged_by_service: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub operation_type: String,
    #[serde(default)]
    pub initiated_by: Initiator,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_resources: Vec<TargetResource>,
}

impl AuditEvent {
    /// The user the change is about: the first user target, else the initiating user.
    pub fn subject_user_key(&self) -> Option<&str> {
        self.target_resources
            .iter()
            .find(|t| t.kind.eq_ignore_ascii_case("user") && !t.id.is_empty())
            .map(|t| t.id.as_str())
            .or_else(|| {
                let i = &self.initiated_by;
                if !i.user_id.is_empty() {
                    Some(i.user_id.as_str())
                } else if !i.user_principal_name.is_empty() {
                    Some(i.user_principal_name.as_str())
                } else {
                    None
                }
            })
    }
}
