fn main() {
    let mut buf = itoa::Buffer::new();
    println!("linked tally={}", buf.format(6 * 7));
}
