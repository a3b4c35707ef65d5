//! `cowlctl vehicle`: the car as Cowl publishes it on org.cowl.Vehicle1, once or at every
//! change (`--watch`), and the simulator's setter (`cowlctl vehicle set NAME VALUE`).

use std::collections::HashMap;

use futures_util::StreamExt;
use zbus::OwnedVariant;

use super::{VehicleCommand, describe};

#[zbus::proxy(
    interface = "org.cowl.Vehicle1",
    default_service = "org.cowl.Vehicle",
    default_path = "/org/cowl/Vehicle"
)]
trait Vehicle1 {
    async fn set(&self, name: &str, value: &str) -> zbus::Result<()>;
    #[zbus(property)]
    fn values(&self) -> zbus::Result<HashMap<String, OwnedVariant>>;
    #[zbus(property)]
    fn driving_state(&self) -> zbus::Result<String>;
    #[zbus(property)]
    fn ux_restrictions(&self) -> zbus::Result<u32>;
    #[zbus(property)]
    fn source(&self) -> zbus::Result<String>;
}

/// Android Automotive's restriction names, by bit.
const RESTRICTIONS: [&str; 9] = [
    "no_dialpad",
    "no_filtering",
    "limit_string_length",
    "no_keyboard",
    "no_video",
    "limit_content",
    "no_setup",
    "no_text_message",
    "no_voice_transcription",
];

pub async fn run(
    connection: &zbus::Connection,
    command: Option<VehicleCommand>,
    watch: bool,
) -> Result<(), String> {
    // Uncached: every read asks Cowl, so that --watch prints what it holds now.
    let vehicle = Vehicle1Proxy::builder(connection)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .map_err(|err| describe(&err))?;
    if let Some(VehicleCommand::Set { name, value }) = command {
        return vehicle
            .set(&name, &value)
            .await
            .map_err(|err| describe(&err));
    }
    print(&vehicle).await?;
    if !watch {
        return Ok(());
    }
    let properties = zbus::fdo::PropertiesProxy::builder(connection)
        .destination("org.cowl.Vehicle")
        .path("/org/cowl/Vehicle")
        .build()
        .await
        .map_err(|err| describe(&err))?;
    let mut changes = properties
        .receive_properties_changed()
        .await
        .map_err(|err| describe(&err))?;
    while changes.next().await.is_some() {
        println!();
        print(&vehicle).await?;
    }
    Ok(())
}

async fn print(vehicle: &Vehicle1Proxy<'_>) -> Result<(), String> {
    let source = vehicle.source().await.map_err(|err| describe(&err))?;
    let state = vehicle
        .driving_state()
        .await
        .map_err(|err| describe(&err))?;
    let restrictions = vehicle
        .ux_restrictions()
        .await
        .map_err(|err| describe(&err))?;
    let mut values: Vec<(String, OwnedVariant)> = vehicle
        .values()
        .await
        .map_err(|err| describe(&err))?
        .into_iter()
        .collect();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = RESTRICTIONS
        .iter()
        .enumerate()
        .filter(|(bit, _)| restrictions & (1 << bit) != 0)
        .map(|(_, name)| *name)
        .collect();
    println!("source: {source}");
    println!("driving state: {state}");
    println!("ux restrictions: {restrictions} ({})", names.join(", "));
    for (name, value) in values {
        println!("{name} = {}", shown(&value));
    }
    Ok(())
}

/// A value as a person writes it: 12.5, true, D.
fn shown(value: &zbus::Variant<'_>) -> String {
    match value {
        zbus::Variant::F64(number) => number.to_string(),
        zbus::Variant::I64(number) => number.to_string(),
        zbus::Variant::Bool(flag) => flag.to_string(),
        zbus::Variant::Str(text) => text.to_string(),
        other => other.to_string(),
    }
}
