fn main() -> std::process::ExitCode {
    tinhso::cli::main()
}
