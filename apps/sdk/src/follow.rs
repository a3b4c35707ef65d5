//! Following a service that may come later than the app, go, and come back (Cowl restarts;
//! the projection daemon starts when a phone is plugged in): for every owner its bus name
//! gets, a follower runs, addressed by that owner's unique name, until the next owner
//! replaces it. Runtime-agnostic (any executor that runs zbus).

use std::future::Future;
use std::pin::pin;

use futures_util::StreamExt;
use futures_util::future::{Either, select};
use zbus::names::{BusName, OwnedUniqueName};
use zbus::proxy::CacheProperties;

/// Runs `follow(owner)` for each owner `name` gets, from the current one on; a new owner
/// replaces the old one's follower, and `gone` runs when the name loses its owner. Returns
/// when the bus connection fails (or cannot watch names at all).
pub async fn follow_owners<F, Fut>(
    connection: &zbus::Connection,
    name: &'static str,
    mut follow: F,
    mut gone: impl FnMut(),
) -> zbus::Result<()>
where
    F: FnMut(OwnedUniqueName) -> Fut,
    Fut: Future<Output = ()>,
{
    let bus_name = BusName::try_from(name)?;
    let dbus = zbus::fdo::DBusProxy::new(connection).await?;
    let mut owners = dbus
        .receive_name_owner_changed_with_args(&[(0, name)])
        .await?;
    // Subscribed first, then asked: an owner that comes in between is seen either way.
    let mut owner = dbus.get_name_owner(bus_name).await.ok();
    loop {
        let next = match owner.take() {
            Some(current) => {
                let following = pin!(follow(current));
                match select(following, owners.next()).await {
                    // A follower that ends (its owner's signals stopped) waits for the next.
                    Either::Left(((), next_owner)) => next_owner.await,
                    Either::Right((change, _)) => change,
                }
            }
            None => owners.next().await,
        };
        let Some(change) = next else {
            return Ok(());
        };
        owner = change
            .args()
            .ok()
            .and_then(|args| args.new_owner().as_ref().map(|new| new.to_owned().into()));
        if owner.is_none() {
            gone();
        }
    }
}

/// The PropertiesChanged signals `owner` sends for the object at `path`.
pub async fn property_changes(
    connection: &zbus::Connection,
    owner: OwnedUniqueName,
    path: &'static str,
) -> zbus::Result<zbus::fdo::PropertiesChangedStream> {
    zbus::fdo::PropertiesProxy::builder(connection)
        .destination(owner)
        .path(path)
        .cache_properties(CacheProperties::No)
        .build()
        .await?
        .receive_properties_changed()
        .await
}
