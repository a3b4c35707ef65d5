//! cowl-nav-mapgen: makes the navigation app's map file from an OpenStreetMap PBF extract.
//! `assets/map/make-map.sh` runs it on the bundled extract.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

/// Makes a Cowl map file (roads, areas, places, the road graph) from an OpenStreetMap
/// PBF extract.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The extract (*.osm.pbf).
    input: PathBuf,
    /// The map file to write.
    output: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The message names the file and what is wrong with it; nothing more to add.
            eprintln!("cowl-nav-mapgen: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let started = Instant::now();
    let (map, report) = cowl_nav::preprocess::preprocess(&cli.input)?;
    cowl_nav::mapdata::write(&cli.output, &map)?;
    let size = std::fs::metadata(&cli.output).map_or(0, |meta| meta.len());
    println!(
        "{}: {} roads, {} graph nodes, {} edges, {} turn restrictions ({} skipped), \
         {} areas ({} sea rings), {} places; {size} bytes in {:.2} s",
        cli.output.display(),
        report.roads,
        report.graph_nodes,
        report.graph_edges,
        report.restrictions_applied,
        report.restrictions_skipped,
        report.areas,
        report.sea_rings,
        report.places,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
