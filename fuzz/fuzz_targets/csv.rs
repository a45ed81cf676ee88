//! The CSV parser on arbitrary bytes: it must never panic, and what it accepts must be
//! a consistent table of finite numbers.
#![no_main]

use backprop_lab::engine::dataset::csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The page hands the parser text; bytes that are not UTF-8 are refused before it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = csv::parse(text) {
        assert!(d.rows() > 0 && d.features() > 0);
        assert_eq!(d.feature_names.len(), d.features());
        assert!(d.check_finite().is_ok());
        let width = d.target.class_count().map_or(1, |c| c.max(2));
        if let Ok(y) = d.target.matrix::<f64>(width) {
            assert_eq!(y.nrows(), d.rows());
        }
    }
});
