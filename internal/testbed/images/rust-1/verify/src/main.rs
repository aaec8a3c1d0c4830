//! Checks that a crate from crates.io built inside the rust stand-in.
fn main() {
    let mut buf = itoa::Buffer::new();
    println!("rust stand-in OK, itoa {}", buf.format(1_u64 << 40));
}
