//! The `plenum` binary: reads the settings, then serves, migrates or manages staff accounts.

use clap::Parser;
use server::cli::{AdminCommand, Cli, Command, read_or_generate_password};
use server::config::Settings;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("plenum: {e}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&settings);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings).await,
        Command::Migrate => server::router::open_database(&settings)
            .await
            .map(|_| println!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Admin {
            command: AdminCommand::Create { email },
        } => create_admin(&settings, &email).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("plenum: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &Settings) -> Result<(), String> {
    let plenum = server::start(settings).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            format!(
                "cannot listen on {} (setting `listen`): {e}",
                settings.listen
            )
        })?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    tracing::info!(%url, public_url = %settings.public_url, "Plenum is listening");
    println!("Plenum is running: open {url}");
    server::router::serve(listener, plenum.router)
        .await
        .map_err(|e| e.to_string())
}

async fn create_admin(settings: &Settings, email: &str) -> Result<(), String> {
    let db = server::router::open_database(settings)
        .await
        .map_err(|e| e.to_string())?;
    let (password, generated) =
        read_or_generate_password().map_err(|e| format!("reading the password: {e}"))?;
    let user = app::server::accounts::create_staff(&db, email, &password)
        .await
        .map_err(|e| e.to_string())?;
    println!("Created staff account {} (id {}).", user.email, user.id);
    if generated {
        println!("Its password (shown only now): {password}");
    }
    Ok(())
}
