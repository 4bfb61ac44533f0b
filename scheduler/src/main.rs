fn main() {
    eprintln!("tally-scheduler: not yet implemented");
    std::process::exit(2);
}
