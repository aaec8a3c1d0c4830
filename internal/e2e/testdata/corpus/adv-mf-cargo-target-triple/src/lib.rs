/// Formats a count the way both binaries print it.
pub fn render(n: u64) -> String {
    let mut b = itoa::Buffer::new();
    format!("tally={}", b.format(n))
}
