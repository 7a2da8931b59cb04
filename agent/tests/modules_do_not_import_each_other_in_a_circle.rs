//! The agent's modules form no import cycle (the driver around the core stays a tree: the
//! session imports its hands, the hands import sharing, devices and transfers, none of those
//! import the session or each other in a circle).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut mods = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            let module = rel.trim_end_matches(".rs").split('/').next().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let deps: &mut BTreeSet<String> = mods.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let rest = &text[i + "crate::".len()..];
                let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
                    list.split('}').next().unwrap_or("").split(',').map(|n| n.trim().split("::").next().unwrap_or("")).collect()
                } else {
                    vec![rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("")]
                };
                deps.extend(names.into_iter().filter(|n| !n.is_empty() && *n != module && *n != "self").map(str::to_owned));
            }
        }
    }
    mods
}

#[test]
fn the_agents_modules_form_no_import_cycle() {
    let mods = imports();
    fn visit(m: &str, mods: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| p == m) {
            panic!("import cycle: {} → {m}", path[at..].join(" → "));
        }
        path.push(m.to_owned());
        for d in mods.get(m).into_iter().flatten() {
            if mods.contains_key(d) {
                visit(d, mods, path, done);
            }
        }
        path.pop();
        done.insert(m.to_owned());
    }
    let mut done = BTreeSet::new();
    for m in mods.keys() {
        visit(m, &mods, &mut vec![], &mut done);
    }
    assert!(mods.contains_key("session") && mods["session"].contains("commands"), "{mods:?}");
}
