//! The one shape of a family of finding codes: [`finding_codes!`](crate::finding_codes)
//! declares an enum whose variants each have a stable kebab-case code, with `code()`, `ALL`
//! and `parse()`. Codes are never renamed; every family is listed in `docs/codes.md`, and a
//! tidy test keeps each family's `ALL` and its section there equal.

#[doc(hidden)]
pub use serde as __serde;

/// Declares a family of finding codes: a field-less, `#[non_exhaustive]` enum with
/// `code()` (the kebab-case string), `ALL` (every code, in documentation order), `parse()`,
/// and `Display` and `Serialize` as the code (JSON reports carry the string).
///
/// ```
/// sigil_core::finding_codes! {
///     /// Why a widget was refused.
///     pub enum WidgetCode {
///         /// The widget is too large.
///         TooLarge = "too-large",
///     }
/// }
/// assert_eq!(WidgetCode::TooLarge.code(), "too-large");
/// assert_eq!(WidgetCode::parse("too-large"), Some(WidgetCode::TooLarge));
/// assert_eq!(WidgetCode::ALL, &[WidgetCode::TooLarge]);
/// ```
#[macro_export]
macro_rules! finding_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every code, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable kebab-case code.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            /// The code spelt `s`, if it is one of this family's.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($code => Some($name::$variant),)* _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl $crate::codes::__serde::Serialize for $name {
            fn serialize<S: $crate::codes::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::finding_codes! {
        /// Test family.
        pub enum T {
            /// One.
            One = "one",
            /// Two words.
            TwoWords = "two-words",
        }
    }

    #[test]
    fn codes_roundtrip_and_list_every_variant() {
        assert_eq!(T::ALL, &[T::One, T::TwoWords]);
        for c in T::ALL {
            assert_eq!(T::parse(c.code()), Some(*c));
            assert_eq!(c.to_string(), c.code());
        }
        assert_eq!(T::parse("Two-Words"), None);
        assert_eq!(
            serde_json::to_string(&T::TwoWords).unwrap(),
            "\"two-words\""
        );
    }
}
