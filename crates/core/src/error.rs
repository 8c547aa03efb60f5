//! Error chains as one line: the one place sigil flattens `source()` chains for messages.

/// `e` and its sources, joined with `": "`; a source whose text the line already holds
/// (a message that prints its cause as well as chaining it) is not repeated.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let cs = c.to_string();
        if !s.contains(&cs) {
            s.push_str(": ");
            s.push_str(&cs);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn sources_are_joined_and_repeats_dropped() {
        let inner = E("disk full", None);
        assert_eq!(chain(&inner), "disk full");
        let e = E(
            "writing x",
            Some(Box::new(E("io", Some(Box::new(E("disk full", None)))))),
        );
        assert_eq!(chain(&e), "writing x: io: disk full");
        let printed = E("writing x: disk full", Some(Box::new(E("disk full", None))));
        assert_eq!(chain(&printed), "writing x: disk full");
    }
}
