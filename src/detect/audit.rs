//! What directory audit events mean for user risk.
//!
//! - Remediation (Graph `riskDetail` values): a self-service password change or reset
//!   remediates the user (`userPerformedSecuredPasswordChange` / `...Reset`); an admin reset
//!   too (`adminGeneratedTemporaryPassword`).
//! - Admin feedback from Identity Protection (`ConfirmAccountCompromised`, `DismissUser`,
//!   `ConfirmSafe`, ...) sets the state.
//! - A high-risk change (MFA method, role, app credential, consent, federation) made by a
//!   user shortly after one of their sign-ins was flagged raises their risk: the
//!   post-takeover persistence pattern (riskd's own `riskyDirectoryChange`).

use crate::model::{AuditEvent, RiskState};

/// What an audit event does to its subject user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEffect {
    SetState(RiskState, &'static str),
    HighRiskChange,
    None,
}

/// Normalizes an activity name: trim, en dash to hyphen, lower case.
fn norm(activity: &str) -> String {
    activity
        .trim()
        .replace('\u{2013}', "-")
        .to_ascii_lowercase()
}

const HIGH_RISK: [&str; 34] = [
    "user registered security info",
    "user changed default security info",
    "user updated security info",
    "user deleted security info",
    "admin registered security info",
    "admin updated security info",
    "admin deleted security info",
    "disable strong authentication",
    "add users strong authentication phone app detail",
    "add fido2 security key",
    "add windows hello for business credential",
    "add passwordless phone sign-in credential",
    "create application password for user",
    "add member to role",
    "add eligible member to role",
    "add scoped member to role",
    "add member to role completed (pim activation)",
    "add member to role outside of pim (permanent)",
    "consent to application",
    "add delegated permission grant",
    "add app role assignment to service principal",
    "add service principal credentials",
    "update application - certificates and secrets management",
    "add owner to application",
    "add owner to service principal",
    "set domain authentication",
    "set federation settings on domain",
    "add unverified domain",
    "add verified domain",
    "update conditional access policy",
    "delete conditional access policy",
    "add named location",
    "update named location",
    "set company information",
];

/// Classifies an audit event.
pub fn effect(a: &AuditEvent) -> AuditEffect {
    if !a.result.is_empty() && a.result != "success" {
        return AuditEffect::None;
    }
    let act = norm(&a.activity_display_name);
    match act.as_str() {
        "change password (self-service)" => {
            AuditEffect::SetState(RiskState::Remediated, "userPerformedSecuredPasswordChange")
        }
        "reset password (self-service)" => {
            AuditEffect::SetState(RiskState::Remediated, "userPerformedSecuredPasswordReset")
        }
        "reset password (by admin)" | "reset user password" => {
            AuditEffect::SetState(RiskState::Remediated, "adminGeneratedTemporaryPassword")
        }
        "confirmaccountcompromised" | "confirmcompromised" => AuditEffect::SetState(
            RiskState::ConfirmedCompromised,
            "adminConfirmedUserCompromised",
        ),
        "dismissuser" => {
            AuditEffect::SetState(RiskState::Dismissed, "adminDismissedAllRiskForUser")
        }
        "confirmsafe" => {
            AuditEffect::SetState(RiskState::ConfirmedSafe, "adminConfirmedSigninSafe")
        }
        _ if HIGH_RISK.contains(&act.as_str()) => AuditEffect::HighRiskChange,
        _ => AuditEffect::None,
    }
}

/// The user an effect applies to: for remediation and feedback the target user (or the
/// actor for self-service); for a high-risk change the actor who made it.
pub fn subject(a: &AuditEvent, e: AuditEffect) -> Option<&str> {
    let actor = if !a.initiated_by.user_id.is_empty() {
        Some(a.initiated_by.user_id.as_str())
    } else if !a.initiated_by.user_principal_name.is_empty() {
        Some(a.initiated_by.user_principal_name.as_str())
    } else {
        None
    };
    match e {
        AuditEffect::HighRiskChange => actor,
        _ => a.subject_user_key(),
    }
}
