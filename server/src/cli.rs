//! The command line: `plenum` (serve), `plenum migrate`, `plenum admin create --email …`.

use clap::{Parser, Subcommand};

/// Plenum: self-service hosting of isolated OpenSlides instances on a Docker Swarm.
#[derive(Debug, Parser)]
#[command(name = "plenum", version, about)]
pub struct Cli {
    /// What to do; without a command, Plenum serves.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Plenum's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Manage staff accounts.
    Admin {
        /// What to do with staff accounts.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// Staff account commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a staff account. The password is read from standard input (first line); when
    /// standard input is a terminal or empty, a strong password is generated and printed once.
    Create {
        /// The staff member's email address.
        #[arg(long)]
        email: String,
    },
}

/// Reads the password for `admin create`: the first line of a piped standard input, or a
/// generated one (returned with `true`, to be printed once).
pub fn read_or_generate_password() -> std::io::Result<(String, bool)> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if !password.is_empty() {
            return Ok((password, false));
        }
    }
    Ok((generate_password(), true))
}

/// A random 24-character password of letters and digits (about 142 bits).
pub fn generate_password() -> String {
    use rand::Rng;
    use rand::distributions::Alphanumeric;
    let mut rng = rand::thread_rng();
    // Letters and digits both appear with overwhelming probability; make sure of it.
    loop {
        let candidate: String = (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        if candidate.chars().any(|c| c.is_ascii_digit())
            && candidate.chars().any(|c| c.is_ascii_alphabetic())
        {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_satisfy_the_rule() {
        for _ in 0..100 {
            let p = generate_password();
            assert_eq!(p.len(), 24);
            domain::account::check_new_password("password", &p).unwrap();
        }
    }
}
