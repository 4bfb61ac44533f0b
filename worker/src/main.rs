fn main() {
    eprintln!("tally-worker: not yet implemented");
    std::process::exit(2);
}
