fn main() {
    println!("tool {}", tally::render(7));
}
