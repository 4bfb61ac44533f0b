fn main() {
    eprintln!("gemini-emulator: not yet implemented");
    std::process::exit(2);
}
