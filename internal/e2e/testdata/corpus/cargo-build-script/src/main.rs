fn main() {
    println!("{} {}", env!("GREETING"), tally::render(1));
}
