// Reads a file of the project at build time: a build on stubs would not see it.
fn main() {
    let greeting = std::fs::read_to_string("greeting.txt").expect("greeting.txt");
    println!("cargo:rustc-env=GREETING={}", greeting.trim());
    println!("cargo:rerun-if-changed=greeting.txt");
}
