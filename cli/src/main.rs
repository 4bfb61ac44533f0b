fn main() {
    eprintln!("tally: not yet implemented");
    std::process::exit(2);
}
