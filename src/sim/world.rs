//! The synthetic world: cities with their ISPs and carriers, offices, VPN egress, travel
//! destinations, attacker infrastructure, devices, browsers and apps. Values are
//! realistic in shape; IP ranges are made up per ASN (documentation ranges for offices).

/// A place people sign in from.
#[derive(Debug, Clone, Copy)]
pub struct City {
    pub name: &'static str,
    pub state: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// UTC offset in hours (no daylight saving in the simulation).
    pub tz: i64,
    /// Residential ISPs: (ASN, first two octets of their address space).
    pub isps: &'static [(u32, [u8; 2])],
    /// Mobile carrier.
    pub carrier: (u32, [u8; 2]),
}

macro_rules! city {
    ($n:expr, $s:expr, $c:expr, $la:expr, $lo:expr, $tz:expr, $isps:expr, $car:expr) => {
        City {
            name: $n,
            state: $s,
            country: $c,
            lat: $la,
            lon: $lo,
            tz: $tz,
            isps: $isps,
            carrier: $car,
        }
    };
}

/// Where users live (index into this list is stable).
pub const HOME_CITIES: [City; 9] = [
    city!(
        "Seattle",
        "Washington",
        "US",
        47.61,
        -122.33,
        -8,
        &[(7922, [73, 97]), (20115, [71, 83])],
        (21928, [172, 56])
    ),
    city!(
        "New York",
        "New York",
        "US",
        40.71,
        -74.01,
        -5,
        &[(7922, [73, 12]), (701, [98, 113])],
        (22394, [174, 224])
    ),
    city!(
        "Chicago",
        "Illinois",
        "US",
        41.88,
        -87.63,
        -6,
        &[(7922, [73, 44]), (7018, [99, 35])],
        (21928, [172, 58])
    ),
    city!(
        "London",
        "England",
        "GB",
        51.51,
        -0.13,
        0,
        &[(2856, [86, 128]), (5089, [82, 13])],
        (12576, [92, 40])
    ),
    city!(
        "Manchester",
        "England",
        "GB",
        53.48,
        -2.24,
        0,
        &[(2856, [86, 150]), (5089, [82, 30])],
        (12576, [92, 41])
    ),
    city!(
        "Berlin",
        "Berlin",
        "DE",
        52.52,
        13.40,
        1,
        &[(3320, [87, 150]), (6805, [77, 11])],
        (3209, [94, 134])
    ),
    city!(
        "Munich",
        "Bavaria",
        "DE",
        48.14,
        11.58,
        1,
        &[(3320, [91, 40]), (8881, [82, 135])],
        (3209, [94, 135])
    ),
    city!(
        "Paris",
        "Ile-de-France",
        "FR",
        48.86,
        2.35,
        1,
        &[(3215, [90, 3]), (12322, [88, 160])],
        (51207, [37, 171])
    ),
    city!(
        "Toronto",
        "Ontario",
        "CA",
        43.65,
        -79.38,
        -5,
        &[(812, [99, 224]), (577, [70, 52])],
        (812, [99, 225])
    ),
];

/// Business-travel destinations.
pub const TRAVEL_CITIES: [City; 6] = [
    city!(
        "Tokyo",
        "Tokyo",
        "JP",
        35.68,
        139.69,
        9,
        &[(2516, [106, 72])],
        (2516, [106, 73])
    ),
    city!(
        "Singapore",
        "Singapore",
        "SG",
        1.35,
        103.82,
        8,
        &[(9506, [116, 86])],
        (9506, [116, 87])
    ),
    city!(
        "Sydney",
        "New South Wales",
        "AU",
        -33.87,
        151.21,
        10,
        &[(1221, [101, 160])],
        (1221, [101, 161])
    ),
    city!(
        "Madrid",
        "Madrid",
        "ES",
        40.42,
        -3.70,
        1,
        &[(3352, [83, 44])],
        (3352, [83, 45])
    ),
    city!(
        "Dubai",
        "Dubai",
        "AE",
        25.20,
        55.27,
        4,
        &[(5384, [94, 200])],
        (5384, [94, 201])
    ),
    city!(
        "Sao Paulo",
        "Sao Paulo",
        "BR",
        -23.55,
        -46.63,
        -3,
        &[(28573, [177, 32])],
        (28573, [177, 33])
    ),
];

/// Where attackers come from: hosting providers and residential proxies abroad.
pub const ATTACKER_CITIES: [City; 7] = [
    city!(
        "Lagos",
        "Lagos",
        "NG",
        6.52,
        3.38,
        1,
        &[(36873, [105, 112])],
        (36873, [105, 113])
    ),
    city!(
        "Moscow",
        "Moscow",
        "RU",
        55.76,
        37.62,
        3,
        &[(12389, [95, 24])],
        (12389, [95, 25])
    ),
    city!(
        "Amsterdam",
        "North Holland",
        "NL",
        52.37,
        4.90,
        1,
        &[(14061, [167, 99])],
        (14061, [167, 98])
    ),
    city!(
        "Frankfurt am Main",
        "Hesse",
        "DE",
        50.11,
        8.68,
        1,
        &[(24940, [5, 9])],
        (24940, [5, 10])
    ),
    city!(
        "Bucharest",
        "Bucharest",
        "RO",
        44.43,
        26.10,
        2,
        &[(9050, [86, 120])],
        (9050, [86, 121])
    ),
    city!(
        "Jakarta",
        "Jakarta",
        "ID",
        -6.21,
        106.85,
        7,
        &[(7713, [36, 66])],
        (7713, [36, 67])
    ),
    city!(
        "Hanoi",
        "Hanoi",
        "VN",
        21.03,
        105.85,
        7,
        &[(45899, [113, 160])],
        (45899, [113, 161])
    ),
];

/// Residential proxies and hosting inside the users' own countries (attackers who avoid
/// country-based rules): (country, city).
pub const DOMESTIC_PROXIES: [City; 5] = [
    city!(
        "Ashburn",
        "Virginia",
        "US",
        39.04,
        -77.49,
        -5,
        &[(14618, [3, 208])],
        (14618, [3, 209])
    ),
    city!(
        "Slough",
        "England",
        "GB",
        51.51,
        -0.59,
        0,
        &[(20860, [185, 25])],
        (20860, [185, 26])
    ),
    city!(
        "Nuremberg",
        "Bavaria",
        "DE",
        49.45,
        11.08,
        1,
        &[(51167, [207, 180])],
        (51167, [207, 181])
    ),
    city!(
        "Roubaix",
        "Hauts-de-France",
        "FR",
        50.69,
        3.17,
        1,
        &[(16276, [51, 68])],
        (16276, [51, 69])
    ),
    city!(
        "Beauharnois",
        "Quebec",
        "CA",
        45.31,
        -73.87,
        -5,
        &[(16276, [158, 69])],
        (16276, [158, 70])
    ),
];

/// Tor exit / anonymizer range the simulation's config lists (a real Tor exit range).
pub const TOR_CIDR: &str = "185.220.100.0/22";
pub const TOR_ASN: u32 = 60729;

/// Offices: (home city index, egress ASN, egress /24 first three octets).
pub const OFFICES: [(usize, u32, [u8; 3]); 3] = [
    (0, 3356, [198, 51, 100]),
    (3, 5400, [203, 0, 113]),
    (5, 3320, [192, 0, 2]),
];

/// Corporate VPN egress (a cloud security proxy): ASN and the nodes' cities.
pub const VPN_ASN: u32 = 62044;
/// A VPN egress node: (city, state, country, latitude, longitude, egress /24).
pub type VpnNode = (&'static str, &'static str, &'static str, f64, f64, [u8; 3]);
pub const VPN_NODES: [VpnNode; 3] = [
    ("Ashburn", "Virginia", "US", 39.04, -77.49, [165, 225, 8]),
    (
        "Frankfurt am Main",
        "Hesse",
        "DE",
        50.11,
        8.68,
        [165, 225, 72],
    ),
    ("London", "England", "GB", 51.51, -0.13, [165, 225, 80]),
];

/// Desktop browsers: (OS, browser as Entra reports it, user agent).
pub const DESKTOP: [(&str, &str, &str); 8] = [
    ("Windows 10", "Edge 120.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"),
    ("Windows 10", "Chrome 120.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
    ("Windows 10", "Edge 121.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83"),
    ("Windows 10", "Firefox 122.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0"),
    ("MacOs", "Safari 17.2", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"),
    ("MacOs", "Chrome 120.0.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
    ("MacOs", "Edge 121.0.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83"),
    ("Windows 10", "Chrome 121.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36"),
];

/// Mobile: (OS, browser, user agent).
pub const MOBILE: [(&str, &str, &str); 3] = [
    ("Ios 17", "Mobile Safari", "Outlook-iOS/2.0"),
    ("Ios 16", "Mobile Safari", "Outlook-iOS/2.0"),
    ("Android 14", "Rich Client 4.40.0.0", "Outlook-Android/2.0"),
];

/// Tools attackers use.
pub const ATTACKER_AGENTS: [(&str, &str, &str); 4] = [
    ("Linux", "Firefox 115.0", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"),
    ("Linux", "Chrome 119.0.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36"),
    ("", "python-requests 2.31", "python-requests/2.31.0"),
    ("Windows 10", "Chrome 120.0.0", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
];

/// Apps: (app id, display name, resource id, resource name).
pub const APPS: [(&str, &str, &str, &str); 6] = [
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        "Microsoft Teams",
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        "Microsoft Teams Services",
    ),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    (
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        "OfficeHome",
        "00000003-0000-0000-c000-000000000000",
        "Microsoft Graph",
    ),
    (
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        "Microsoft Office",
        "00000003-0000-0000-c000-000000000000",
        "Microsoft Graph",
    ),
    (
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "Azure Portal",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Windows Azure Service Management API",
    ),
];

/// The app rolled out tenant-wide mid-simulation.
pub const ROLLOUT_APP: (&str, &str, &str, &str) = (
    "fb8d773d-7ef8-4ec0-a117-179f88add510",
    "Microsoft 365 Copilot",
    "00000003-0000-0000-c000-000000000000",
    "Microsoft Graph",
);

pub const FIRST_NAMES: [&str; 24] = [
    "Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Karl",
    "Liam", "Mia", "Nina", "Oscar", "Peggy", "Quinn", "Rita", "Sam", "Tara", "Uma", "Victor",
    "Wendy", "Yusuf",
];
pub const LAST_NAMES: [&str; 16] = [
    "Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Martin", "Muller", "Schmidt",
    "Dubois", "Taylor", "Wilson", "Clark", "Lewis", "Walker", "Young",
];
