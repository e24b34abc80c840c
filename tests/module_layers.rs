//! The engine's imports run one way (README, "Architecture"): a module of `src/` may import only
//! from modules on the layers above its own. A `use crate::x` (or a `crate::x::` path) that
//! reaches sideways or down fails here, naming the file.

use std::fs;
use std::path::Path;

/// The layers, top first; the README draws the same picture.
const LAYERS: &[&[&str]] = &[
    &["sim", "partitioner"],
    &["raft"],
    &["protocol"],
    &["trace", "admin", "replica", "assignor", "serialization"],
    &["runtime", "config", "election"],
    &["zookeeper", "coordinator", "client", "metadata"],
    &["process", "schema_registry"],
    &["controller"],
    &["broker"],
    &["world"],
    &["view", "timeline", "scenario", "metrics"],
    &["check"],
    &["wasm"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file of `src/` belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::<module>` a file names in code (doc comments and comments left out).
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + "crate::".len()..];
            let name: String = tail.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
            rest = tail;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_of_the_engine_is_on_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut missing: Vec<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .filter(|m| m != "lib" && m != "bin" && layer_of(m).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "modules on no layer of LAYERS: {missing:?}");
}

#[test]
fn modules_import_only_from_the_layers_above_their_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(own) = layer_of(&module) else { continue };
        let text = fs::read_to_string(file).unwrap();
        for used in imports(&text) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                _ => wrong.push(format!("{} (layer {own}) imports crate::{used}", file.strip_prefix(&src).unwrap().display())),
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "imports that run sideways or down:\n{}", wrong.join("\n"));
}

#[test]
fn the_layer_check_sees_an_import_that_runs_down() {
    assert_eq!(imports("use crate::world::World; // crate::view"), vec!["world"]);
    assert!(layer_of("world") > layer_of("broker"));
}
