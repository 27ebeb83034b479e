//! Link flags napi-rs needs for a Node addon (macOS `-undefined dynamic_lookup`, ...).

fn main() {
    napi_build::setup();
}
