//! One macro for every closed set of codes with Chinese labels (kinds, states, roles, actions):
//! the code stored and used in the API, the label shown and imported, the synonyms accepted on
//! import, every value in order — written once instead of a hand-written `match` per enum.

/// Declares a closed set of values with a stable English code and one Chinese label, plus extra
/// Chinese synonyms accepted on import.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal $(| $syn:literal)*;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label shown to users and written in workbooks.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a stored code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Parses a Chinese label (or an accepted synonym) as found in a workbook.
            pub fn from_label(label: &str) -> Option<Self> {
                match label.trim() { $($label $(| $syn)* => Some($name::$variant),)+ _ => None }
            }

            /// The labels accepted on import, for error messages.
            pub fn labels() -> String {
                [$($label),+].join(" / ")
            }
        }
    };
}

pub(crate) use vocabulary;
