//! The sandbox's pickup points: the real Checkout asks the carrier, the
//! sandbox has three fixed points per brand and country (docs/compatibility.md).

use serde::{Deserialize, Serialize};

use super::Brand;

/// A pickup point (`PickupPoint`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupPoint {
    /// The point's id, e.g. `posten-no-1`.
    pub id: String,
    /// Brand and place, e.g. `Posten Sentrum`.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Upper-case ISO 3166-1 alpha-2.
    pub country: String,
    /// Opening hours, one line each.
    pub opening_hours: Vec<String>,
}

/// A place: its name, street address and postal code.
type Place = (&'static str, &'static str, &'static str);

/// Per country: city and three places.
const PLACES: &[(&str, &str, [Place; 3])] = &[
    (
        "NO",
        "Oslo",
        [
            ("Sentrum", "Karl Johans gate 12", "0154"),
            ("Grünerløkka", "Thorvald Meyers gate 40", "0552"),
            ("Majorstuen", "Bogstadveien 51", "0366"),
        ],
    ),
    (
        "SE",
        "Stockholm",
        [
            ("City", "Drottninggatan 53", "111 21"),
            ("Södermalm", "Götgatan 28", "118 46"),
            ("Östermalm", "Karlavägen 60", "114 49"),
        ],
    ),
    (
        "DK",
        "København",
        [
            ("Indre By", "Strøget 20", "1160"),
            ("Nørrebro", "Nørrebrogade 45", "2200"),
            ("Vesterbro", "Istedgade 70", "1650"),
        ],
    ),
    (
        "FI",
        "Helsinki",
        [
            ("Keskusta", "Aleksanterinkatu 15", "00100"),
            ("Kallio", "Hämeentie 20", "00530"),
            ("Töölö", "Mannerheimintie 60", "00260"),
        ],
    ),
];

/// The sandbox's pickup points of `brand` in `country` (upper-case ISO
/// alpha-2): always the same three, in Oslo, Stockholm, København or
/// Helsinki, or in a "Sandbox City" elsewhere; none for brands without
/// pickup points.
pub fn pickup_points(brand: Brand, country: &str) -> Vec<PickupPoint> {
    if !brand.has_pickup_points() {
        return Vec::new();
    }
    let generic = [
        ("North", "Main Street 1", "1000"),
        ("Centre", "Market Square 2", "1001"),
        ("South", "Harbour Road 3", "1002"),
    ];
    let (city, places) = PLACES
        .iter()
        .find(|(c, ..)| *c == country)
        .map_or(("Sandbox City", generic), |(_, city, places)| {
            (*city, *places)
        });
    places
        .iter()
        .enumerate()
        .map(|(i, (place, street, postal))| PickupPoint {
            id: format!(
                "{}-{}-{}",
                brand.as_str().to_ascii_lowercase(),
                country.to_ascii_lowercase(),
                i + 1
            ),
            name: format!("{} {place}", brand.display_name()),
            address: (*street).to_owned(),
            postal_code: (*postal).to_owned(),
            city: city.to_owned(),
            country: country.to_owned(),
            opening_hours: vec!["Man-Fre: 0800-2100".to_owned(), "Lør: 0900-1800".to_owned()],
        })
        .collect()
}
