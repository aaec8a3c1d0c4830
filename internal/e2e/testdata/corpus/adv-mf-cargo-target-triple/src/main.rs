fn main() {
    println!("{}", tally::render(42));
}
