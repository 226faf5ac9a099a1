//! One module per command family; `dispatch` maps parsed arguments to them.

pub mod audit;
pub mod baselines;
pub mod challenges;
pub mod dataset;
pub mod demo;
pub mod fetch;
pub mod gauntlet;
pub mod log;
pub mod run;
pub mod score;
pub mod simulate;
pub mod submit;
pub mod tokens;

use anyhow::Result;

use crate::cli::{
    AuditCommand, BaselinesCommand, ChallengeCommand, Cli, Command, DatasetCommand,
    SubmissionCommand, TokenCommand,
};
use crate::connect::{Client, connect};

async fn client(cli: &Cli) -> Result<Client> {
    connect(
        &cli.global.server,
        cli.global.token.as_deref(),
        cli.global.tls_ca.as_deref(),
    )
    .await
}

/// Runs the parsed command.
pub async fn dispatch(cli: Cli) -> Result<()> {
    let json = cli.global.json;
    match &cli.command {
        Command::Challenges => challenges::list(&mut client(&cli).await?, json).await,
        Command::Challenge {
            command:
                ChallengeCommand::Create {
                    manifest,
                    id,
                    hidden,
                    hidden_seed,
                },
        } => {
            challenges::create_command(
                &mut client(&cli).await?,
                manifest,
                hidden,
                id.as_deref(),
                *hidden_seed,
                json,
            )
            .await
        }
        Command::Challenge {
            command: ChallengeCommand::Close { challenge, reason },
        } => challenges::close_command(&mut client(&cli).await?, challenge, reason, json).await,
        Command::Fetch { challenge, out } => {
            fetch::fetch_command(&mut client(&cli).await?, challenge, out, json).await
        }
        Command::Submit(args) => submit::submit_command(&mut client(&cli).await?, args, json).await,
        Command::Submission {
            command: SubmissionCommand::Show { id },
        } => submit::show_command(&mut client(&cli).await?, id, json).await,
        Command::Submission {
            command: SubmissionCommand::Select { id },
        } => submit::select_command(&mut client(&cli).await?, id, false, json).await,
        Command::Submission {
            command: SubmissionCommand::Unselect { id },
        } => submit::select_command(&mut client(&cli).await?, id, true, json).await,
        Command::Audit {
            command: AuditCommand::Bundle { submission, out },
        } => audit::bundle_command(&mut client(&cli).await?, submission, out, json).await,
        Command::Audit {
            command: AuditCommand::Verify { dir },
        } => audit::verify_command(dir, json),
        Command::Audit {
            command: AuditCommand::Submission { submission },
        } => audit::submission_command(&mut client(&cli).await?, submission, json).await,
        Command::Leaderboard { challenge } => {
            let board = submit::leaderboard(&mut client(&cli).await?, challenge).await?;
            submit::print_leaderboard(&board, json);
            Ok(())
        }
        Command::Score(args) => score::score(args, json),
        Command::Simulate(args) => simulate::simulate(args, json),
        Command::Gauntlet(args) => gauntlet::gauntlet(&mut client(&cli).await?, args, json).await,
        Command::Dataset {
            command: DatasetCommand::Inspect { file },
        } => dataset::inspect(file, json),
        Command::Run(args) if args.list_builtins => run::run_offline_list(json),
        Command::Run(args) => run::run(&mut client(&cli).await?, args, json).await,
        Command::Demo(args) => demo::run(args, json).await,
        Command::Baselines {
            command: BaselinesCommand::Run { challenge, seed },
        } => baselines::run_command(&mut client(&cli).await?, challenge, *seed, json).await,
        Command::Token {
            command: TokenCommand::List,
        } => tokens::list(&client(&cli).await?, json).await,
        Command::Token {
            command: TokenCommand::Revoke { name, reason },
        } => tokens::revoke(&mut client(&cli).await?, name, reason, json).await,
        Command::Log(args) => log::log(&client(&cli).await?, args, json).await,
    }
}
