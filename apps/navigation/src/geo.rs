//! Geodesy the map needs, and no more: great-circle distance (edge lengths, the routing
//! heuristic), and the map's flat projection (a local equirectangular one around the extract's
//! centre, in decimetres, north up), which is exact enough for a city and keeps every
//! coordinate a small integer.

/// Mean Earth radius (IUGG), metres. The route fixtures' reference uses the same.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS84 position, degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// Great-circle (haversine) distance in metres.
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

/// A map position: decimetres east and north of the map's origin.
pub type Point = [i32; 2];

/// Decimetres per metre.
pub const UNITS_PER_M: f64 = 10.0;

/// The local projection of one map.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Projection {
    pub origin: LatLon,
}

impl Projection {
    pub fn project(&self, at: LatLon) -> Point {
        let east = (at.lon - self.origin.lon).to_radians()
            * self.origin.lat.to_radians().cos()
            * EARTH_RADIUS_M;
        let north = (at.lat - self.origin.lat).to_radians() * EARTH_RADIUS_M;
        [
            (east * UNITS_PER_M).round() as i32,
            (north * UNITS_PER_M).round() as i32,
        ]
    }

    pub fn unproject(&self, point: Point) -> LatLon {
        let east = f64::from(point[0]) / UNITS_PER_M;
        let north = f64::from(point[1]) / UNITS_PER_M;
        LatLon {
            lat: self.origin.lat + (north / EARTH_RADIUS_M).to_degrees(),
            lon: self.origin.lon
                + (east / (EARTH_RADIUS_M * self.origin.lat.to_radians().cos())).to_degrees(),
        }
    }
}

/// Straight-line distance between two map points, metres.
pub fn planar_m(a: Point, b: Point) -> f64 {
    let dx = f64::from(a[0]) - f64::from(b[0]);
    let dy = f64::from(a[1]) - f64::from(b[1]);
    dx.hypot(dy) / UNITS_PER_M
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let a = LatLon {
            lat: 60.0,
            lon: 24.9,
        };
        let b = LatLon {
            lat: 61.0,
            lon: 24.9,
        };
        assert!((haversine_m(a, b) - 111_195.0).abs() < 5.0);
    }

    #[test]
    fn projection_round_trips_and_agrees_with_haversine_across_a_city() {
        let projection = Projection {
            origin: LatLon {
                lat: 60.17,
                lon: 24.94,
            },
        };
        let a = LatLon {
            lat: 60.16,
            lon: 24.92,
        };
        let b = LatLon {
            lat: 60.18,
            lon: 24.96,
        };
        let (pa, pb) = (projection.project(a), projection.project(b));
        let back = projection.unproject(pa);
        assert!((back.lat - a.lat).abs() < 1e-6 && (back.lon - a.lon).abs() < 1e-6);
        let flat = planar_m(pa, pb);
        let round = haversine_m(a, b);
        assert!((flat - round).abs() / round < 1e-3, "{flat} m vs {round} m");
    }
}
