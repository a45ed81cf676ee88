//! Model-file import on arbitrary bytes: it must never panic, and a model it accepts
//! must export to a file that imports to the same model.
#![no_main]

use backprop_lab::engine::model_json::Model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(model) = Model::from_json(text) {
        let again = Model::from_json(&model.to_json()).expect("an exported model imports");
        assert_eq!(again, model);
    }
});
