//! Lenient field types for the raw decoders.
//!
//! Entra logs are not type-stable: `autonomousSystemNumber` is a number in Event Hub records
//! and a string in Log Analytics; `durationMs` is `0` or `"0"`; booleans arrive as `true`,
//! `"True"` or `TRUE` (CSV); Log Analytics "dynamic" columns hold JSON *text* instead of JSON.
//! Each type here accepts every form seen in the wild and keeps a missing, `null` or empty
//! value as `None`, so one odd field never costs a whole sign-in. They work with any serde
//! deserializer (JSON, and the CSV path's string map), because they only use `deserialize_any`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// A string that may arrive as a string, number or boolean. Objects and arrays are skipped.
/// A `Box<str>`, not a `String`: 16 bytes instead of 24 in raw records of some 80 fields,
/// which are built and moved once per record.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LStr(pub Option<Box<str>>);

impl LStr {
    /// The value, or `""` when missing.
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }
    /// Takes the value out, `""` when missing.
    pub fn take(&mut self) -> String {
        self.0.take().map(String::from).unwrap_or_default()
    }
    /// Whether a non-empty value is present.
    pub fn is_set(&self) -> bool {
        self.0.as_deref().is_some_and(|s| !s.is_empty())
    }
}

impl<'de> Deserialize<'de> for LStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LStr, E> {
                Ok(LStr(Some(v.into())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<LStr, E> {
                Ok(LStr(Some(v.into_boxed_str())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LStr, E> {
                Ok(LStr(Some(v.to_string().into_boxed_str())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LStr, E> {
                Ok(LStr(Some(v.to_string().into_boxed_str())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LStr, E> {
                Ok(LStr(Some(v.to_string().into_boxed_str())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LStr, E> {
                Ok(LStr(Some(v.to_string().into_boxed_str())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LStr, E> {
                Ok(LStr(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<LStr, E> {
                Ok(LStr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LStr, D::Error> {
                LStr::deserialize(d)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<LStr, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LStr(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<LStr, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An integer that may arrive as a number or a numeric string (`"50126"`, `" 4 "`).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LInt(pub Option<i64>);

impl<'de> Deserialize<'de> for LInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LInt;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LInt, E> {
                Ok(LInt(Some(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LInt, E> {
                Ok(LInt(i64::try_from(v).ok()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LInt, E> {
                Ok(LInt(if v.is_finite() && v.fract() == 0.0 {
                    Some(v as i64)
                } else {
                    None
                }))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LInt, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(LInt(None));
                }
                t.parse::<i64>()
                    .map(|n| LInt(Some(n)))
                    .map_err(|_| E::custom(format_args!("expected an integer, found {t:?}")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LInt, E> {
                Ok(LInt(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<LInt, E> {
                Ok(LInt(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LInt, D::Error> {
                LInt::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// A float that may arrive as a number or a numeric string.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LF64(pub Option<f64>);

impl<'de> Deserialize<'de> for LF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LF64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LF64, E> {
                Ok(LF64(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LF64, E> {
                Ok(LF64(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LF64, E> {
                Ok(LF64(v.is_finite().then_some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LF64, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(LF64(None));
                }
                t.parse::<f64>()
                    .map(|n| LF64(n.is_finite().then_some(n)))
                    .map_err(|_| E::custom(format_args!("expected a number, found {t:?}")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LF64, E> {
                Ok(LF64(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<LF64, E> {
                Ok(LF64(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LF64, D::Error> {
                LF64::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// A boolean that may arrive as `true`, `"True"`, `"TRUE"`, `"yes"`, `1` or `"0"`.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LBool(pub Option<bool>);

impl<'de> Deserialize<'de> for LBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LBool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LBool, E> {
                Ok(LBool(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LBool, E> {
                Ok(LBool(Some(v != 0)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LBool, E> {
                Ok(LBool(Some(v != 0)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LBool, E> {
                let t = v.trim();
                Ok(LBool(
                    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("yes") || t == "1" {
                        Some(true)
                    } else if t.eq_ignore_ascii_case("false")
                        || t.eq_ignore_ascii_case("no")
                        || t == "0"
                    {
                        Some(false)
                    } else {
                        None
                    },
                ))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LBool, E> {
                Ok(LBool(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<LBool, E> {
                Ok(LBool(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LBool, D::Error> {
                LBool::deserialize(d)
            }
        }
        d.deserialize_any(V)
    }
}

/// A nested value that arrives either as JSON, or as a string holding JSON text (Log
/// Analytics dynamic columns, CSV cells). An empty string or `null` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonOr<T>(pub Option<T>);

impl<T> Default for JsonOr<T> {
    fn default() -> Self {
        JsonOr(None)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for JsonOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = JsonOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object or array, or a string holding one")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<JsonOr<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(|v| JsonOr(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<JsonOr<T>, A::Error> {
                T::deserialize(de::value::SeqAccessDeserializer::new(s)).map(|v| JsonOr(Some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonOr<T>, E> {
                let t = v.trim();
                if t.is_empty() || t == "null" || t == "{}" {
                    return Ok(JsonOr(None));
                }
                serde_json::from_str::<T>(t)
                    .map(|v| JsonOr(Some(v)))
                    .map_err(|e| E::custom(format_args!("JSON text in a string is invalid: {e}")))
            }
            fn visit_unit<E: de::Error>(self) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<JsonOr<T>, D::Error> {
                JsonOr::deserialize(d)
            }
            // A scalar where an object was expected carries nothing we can use.
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<JsonOr<T>, E> {
                Ok(JsonOr(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T> JsonOr<T> {
    /// The value, if any.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default)]
    struct T {
        s: LStr,
        i: LInt,
        f: LF64,
        b: LBool,
        j: JsonOr<Vec<LStr>>,
    }

    #[test]
    fn accepts_every_form() {
        let t: T =
            serde_json::from_str(r#"{"s":5,"i":"50126","f":"1.5","b":"TRUE","j":"[\"a\",\"b\"]"}"#)
                .unwrap();
        assert_eq!(t.s.as_str(), "5");
        assert_eq!(t.i.0, Some(50126));
        assert_eq!(t.f.0, Some(1.5));
        assert_eq!(t.b.0, Some(true));
        assert_eq!(t.j.0.unwrap().len(), 2);
        let t: T =
            serde_json::from_str(r#"{"s":null,"i":null,"f":"","b":"False","j":[]}"#).unwrap();
        assert_eq!(t.s.0, None);
        assert_eq!(t.i.0, None);
        assert_eq!(t.f.0, None);
        assert_eq!(t.b.0, Some(false));
        assert_eq!(t.j.0.unwrap().len(), 0);
    }

    #[test]
    fn rejects_non_numeric_strings_with_a_reason() {
        let e = serde_json::from_str::<T>(r#"{"i":"abc"}"#).unwrap_err();
        assert!(e.to_string().contains("expected an integer"), "{e}");
    }
}
