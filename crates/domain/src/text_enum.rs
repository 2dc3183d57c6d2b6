//! Enums stored and sent as text. `text_enum!` declares the enum and, from one list of
//! `Variant = "text"` pairs, writes `as_str`, `FromStr`, `Display` and `ALL`, so a value
//! becomes text (and back) without a JSON round trip, and a new variant cannot be forgotten
//! in either direction. Serde attributes stay on the enum: its JSON is the derive's, and each
//! enum's test checks that it equals `as_str`.
//!
//! ```
//! tinhso_domain::text_enum! {
//!     /// How a dossier reached the desk.
//!     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//!     pub enum Way {
//!         Online = "online",
//!         Post = "post",
//!     }
//! }
//! assert_eq!(Way::Post.as_str(), "post");
//! assert_eq!("online".parse::<Way>(), Ok(Way::Online));
//! assert_eq!(Way::ALL, [Way::Online, Way::Post]);
//! assert_eq!(
//!     "fax".parse::<Way>().unwrap_err().to_string(),
//!     "“fax” is not a Way (expected one of: online, post)"
//! );
//! ```

use std::fmt;

/// A text that names no variant of a `text_enum!` enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's name, e.g. `DossierState`.
    pub kind: &'static str,
    /// The text given.
    pub value: String,
    /// The texts that would have been accepted.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "“{}” is not a {} (expected one of: {})",
            self.value,
            self.kind,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

/// Declares an enum of unit variants, each with its text; see the module documentation.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $text:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The variant's text, as stored and sent.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::text_enum::UnknownValue;

            fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                match s {
                    $($text => ::core::result::Result::Ok($name::$variant),)+
                    _ => ::core::result::Result::Err($crate::text_enum::UnknownValue {
                        kind: ::core::stringify!($name),
                        value: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// For each enum's test: every variant's JSON (the serde derive's) is its `as_str`, and both
/// read back to the variant, so moving a conversion from JSON to `as_str` changes no stored
/// or sent text.
#[cfg(test)]
pub(crate) fn assert_text_is_json<T>(all: &[T], as_str: fn(T) -> &'static str)
where
    T: Copy + PartialEq + fmt::Debug + serde::Serialize + serde::de::DeserializeOwned,
    T: std::str::FromStr<Err = UnknownValue>,
{
    for &v in all {
        let text = as_str(v);
        assert_eq!(serde_json::to_value(v).unwrap(), text, "{v:?}");
        assert_eq!(
            serde_json::from_value::<T>(text.into()).unwrap(),
            v,
            "{v:?}"
        );
        assert_eq!(text.parse::<T>(), Ok(v), "{v:?}");
    }
}

#[cfg(test)]
mod tests {
    text_enum! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Colour {
            /// Documented variants keep their documentation.
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn text_round_trips_and_unknown_text_is_refused() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(Colour::DarkBlue.as_str(), "dark_blue");
        let err = "Red".parse::<Colour>().unwrap_err();
        assert_eq!(err.kind, "Colour");
        assert_eq!(err.value, "Red");
        assert_eq!(
            err.to_string(),
            "“Red” is not a Colour (expected one of: red, dark_blue)"
        );
        assert!(" red".parse::<Colour>().is_err());
    }
}
