//! `tally presets`: the named model-configuration sets.

use tally_core::presets::presets;

#[derive(Debug, clap::Args)]
pub struct PresetsArgs {
    /// Print the presets as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: PresetsArgs) -> Result<(), Box<dyn std::error::Error>> {
    let presets = presets();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&presets)?);
        return Ok(());
    }
    for preset in presets {
        println!(
            "{:<12} {} — {}",
            preset.id, preset.title, preset.description
        );
        println!("             {}", preset.model_configs);
    }
    Ok(())
}
