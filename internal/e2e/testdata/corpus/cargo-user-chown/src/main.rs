fn main() {
    let mut buf = itoa::Buffer::new();
    println!("user tally={}", buf.format(6 * 7));
}
