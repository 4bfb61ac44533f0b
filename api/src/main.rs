fn main() {
    eprintln!("tally-api: not yet implemented");
    std::process::exit(2);
}
