fn main() {
    println!("{}", tally::render("not a number"));
}
