//! What a sign-in error code means for detection.
//!
//! Classes follow ../shared/reference/entra-log-formats.md §8 (Entra's AADSTS reference,
//! Sentinel's password-spray `successCodes`, Microsoft-Analyzer-Suite's interrupt list).

use serde::Serialize;

/// The detection meaning of `status.errorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorClass {
    /// `0`.
    Success,
    /// Wrong password, unknown user, no password (50126, 50034, 50056, 50064, 7000215 ...).
    BadCredential,
    /// Smart Lockout or malicious-IP block (50053).
    Lockout,
    /// MFA denied, not answered or failed (500121, or an MFA-denied detail).
    MfaDenied,
    /// The password was right but Conditional Access or device state blocked the sign-in
    /// (53003, 50131, 53000, 530032 ...). Strong signal from an unfamiliar place.
    BlockedAfterValidCredential,
    /// The password was right but expired (50055, 50144).
    ExpiredPassword,
    /// MFA required or another prompt (50074, 50076, 50140, 50058 ...): not a failure.
    Interrupt,
    /// Token lifecycle (70043, 700082, 50173 ...): benign.
    Token,
    /// Risk-driven blocks from Entra itself (50135, 53004, 53011, 530034).
    RiskBlock,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Classifies an error code, using the additional details for MFA outcomes.
    pub fn classify(code: i64, additional_details: &str) -> ErrorClass {
        match code {
            0 => ErrorClass::Success,
            50126 | 50034 | 50056 | 50064 | 7000215 | 7000222 => ErrorClass::BadCredential,
            50053 => ErrorClass::Lockout,
            500121 => ErrorClass::MfaDenied,
            53003 | 50131 | 53000 | 53001 | 53002 | 530032 | 530035 | 50097 | 50155 | 50105
            | 50057 | 50158 => ErrorClass::BlockedAfterValidCredential,
            50055 | 50144 => ErrorClass::ExpiredPassword,
            50074 | 50076 | 50072 | 50079 | 50125 | 50129 | 50140 | 50058 | 50199 | 65001
            | 81010 | 90094 | 90095 | 16000 | 16001 | 16003 | 50059 | 50127 | 50143 => {
                if is_mfa_denial(additional_details) {
                    ErrorClass::MfaDenied
                } else {
                    ErrorClass::Interrupt
                }
            }
            70043 | 700082 | 70008 | 70044 | 50173 | 50133 => ErrorClass::Token,
            50135 | 53004 | 53011 | 530034 => ErrorClass::RiskBlock,
            _ if is_mfa_denial(additional_details) => ErrorClass::MfaDenied,
            _ => ErrorClass::Other,
        }
    }

    /// A failure that says someone is guessing or pushing (counts towards burst detectors).
    pub fn is_attack_failure(self) -> bool {
        matches!(
            self,
            ErrorClass::BadCredential | ErrorClass::Lockout | ErrorClass::MfaDenied
        )
    }

    /// Whether the primary credential was validated (Sentinel's spray `successCodes`).
    pub fn credential_validated(self) -> bool {
        matches!(
            self,
            ErrorClass::Success
                | ErrorClass::BlockedAfterValidCredential
                | ErrorClass::ExpiredPassword
                | ErrorClass::MfaDenied
        )
    }

    /// A short name for metrics and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Success => "success",
            ErrorClass::BadCredential => "badCredential",
            ErrorClass::Lockout => "lockout",
            ErrorClass::MfaDenied => "mfaDenied",
            ErrorClass::BlockedAfterValidCredential => "blockedAfterValidCredential",
            ErrorClass::ExpiredPassword => "expiredPassword",
            ErrorClass::Interrupt => "interrupt",
            ErrorClass::Token => "token",
            ErrorClass::RiskBlock => "riskBlock",
            ErrorClass::Other => "other",
        }
    }
}

/// MFA denial or no-response wording (matched by substring, as the wording varies).
pub fn is_mfa_denial(details: &str) -> bool {
    contains_ignore_case(details, "mfa denied")
        || contains_ignore_case(details, "fraud")
        || contains_ignore_case(details, "did not respond")
}

/// ASCII case-insensitive substring test, without allocating.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(ErrorClass::classify(0, ""), ErrorClass::Success);
        assert_eq!(ErrorClass::classify(50126, ""), ErrorClass::BadCredential);
        assert_eq!(ErrorClass::classify(50053, ""), ErrorClass::Lockout);
        assert_eq!(
            ErrorClass::classify(500121, "MFA denied; user declined the authentication"),
            ErrorClass::MfaDenied
        );
        assert_eq!(
            ErrorClass::classify(
                50074,
                "MFA denied; user did not respond to mobile app notification"
            ),
            ErrorClass::MfaDenied
        );
        assert_eq!(ErrorClass::classify(50074, ""), ErrorClass::Interrupt);
        assert_eq!(
            ErrorClass::classify(53003, ""),
            ErrorClass::BlockedAfterValidCredential
        );
        assert!(ErrorClass::classify(53003, "").credential_validated());
        assert!(!ErrorClass::classify(50126, "").credential_validated());
        assert_eq!(ErrorClass::classify(12345, ""), ErrorClass::Other);
    }
}
