//! `cowlctl vehicle`: the car as Cowl publishes it on org.cowl.Vehicle1, once or at every
//! change (`--watch`), and the simulator's setter (`cowlctl vehicle set NAME VALUE`).

use cowl_sdk::vehicle::{Vehicle1Proxy, ux};
use futures_util::StreamExt;
use zbus::OwnedVariant;

use super::{VehicleCommand, describe};

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
    let names = ux::names(restrictions);
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
