//! Which D-Bus bus Cowl serves on, as apps find it.
//!
//! Nested on a developer's desktop Cowl serves Shell1 and Vehicle1 on the session bus; on a
//! head unit it serves them on the system bus, where a policy says who may call them
//! (`yocto-layer/`), and an app serves what Cowl calls (the media app's MPRIS) there too. The
//! environment variable [`COWL_BUS_ENV`] tells an app which: unset or `session`, `system`,
//! or a D-Bus address. Every app and `cowlctl` reads it the same way through here.

/// The environment variable naming Cowl's bus.
pub const COWL_BUS_ENV: &str = "COWL_DBUS_BUS";

/// Cowl's bus, as [`COWL_BUS_ENV`] names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CowlBus {
    Session,
    System,
    Address(String),
}

impl CowlBus {
    /// Reads a bus choice: `session`, `system`, or anything else as a D-Bus address.
    pub fn parse(choice: &str) -> CowlBus {
        match choice {
            "" | "session" => CowlBus::Session,
            "system" => CowlBus::System,
            address => CowlBus::Address(address.to_owned()),
        }
    }

    /// The bus [`COWL_BUS_ENV`] names; the session bus when it is unset.
    pub fn from_env() -> CowlBus {
        match std::env::var(COWL_BUS_ENV) {
            Ok(choice) => CowlBus::parse(&choice),
            Err(_) => CowlBus::Session,
        }
    }

    /// A connection builder for this bus; an address that does not parse is an error
    /// naming it.
    pub fn builder(&self) -> zbus::Result<zbus::connection::Builder<'static>> {
        Ok(match self {
            CowlBus::Session => zbus::connection::Builder::session(),
            CowlBus::System => zbus::connection::Builder::system(),
            CowlBus::Address(address) => {
                let parsed = address.parse::<zbus::Address>().map_err(|err| {
                    zbus::Error::Address(format!("{COWL_BUS_ENV}={address:?}: {err}"))
                })?;
                zbus::connection::Builder::address(parsed)
            }
        })
    }
}

/// Connects to the bus Cowl serves on (see the module's documentation).
pub async fn connect() -> zbus::Result<zbus::Connection> {
    CowlBus::from_env().builder()?.build().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_read_as_the_bus_they_name() {
        assert_eq!(CowlBus::parse(""), CowlBus::Session);
        assert_eq!(CowlBus::parse("session"), CowlBus::Session);
        assert_eq!(CowlBus::parse("system"), CowlBus::System);
        assert_eq!(
            CowlBus::parse("unix:path=/run/cowl/bus"),
            CowlBus::Address("unix:path=/run/cowl/bus".into())
        );
    }

    #[test]
    fn an_address_that_does_not_parse_is_an_error_naming_it() {
        let Err(err) = CowlBus::parse("no-such-transport:x=1").builder() else {
            panic!("a bad address must not give a builder");
        };
        let message = err.to_string();
        assert!(message.contains(COWL_BUS_ENV), "{message}");
        assert!(message.contains("no-such-transport"), "{message}");
    }
}
