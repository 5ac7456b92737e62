//! `riskd simulate`: a synthetic tenant with labelled attacks, written as Azure Event Hub
//! records (`{"records":[...]}`, one message per line) with a labels file, for demos,
//! tests, benchmarks and `riskd eval`.
//!
//! The tenant has users with home cities near three offices, home ISPs and mobile carriers,
//! laptops and phones, working hours in their time zone, a corporate VPN shared by many
//! users, typos, MFA prompts, business trips (no sign-ins on travel days, so their speed is
//! plausible), new laptops, a tenant-wide app rollout and new hires. Attacks of every kind
//! riskd detects are injected on users with history, each labelled with its sign-ins.
//! Deterministic: the same options give byte-identical files.

pub mod eventhub;
pub mod world;

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::model::{
    AuditEvent, Device, Initiator, Location, SignIn, SignInCategory, Status, TargetResource,
};
use world::*;

/// Simulation options.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub users: usize,
    pub days: u32,
    pub seed: u64,
    pub start: DateTime<Utc>,
    /// Attack instances to inject (spread over the kinds).
    pub attacks: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            users: 300,
            days: 30,
            seed: 1,
            start: Utc
                .with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
                .single()
                .expect("valid date"),
            attacks: 48,
        }
    }
}

/// Attack kinds, named after the detection expected to catch them.
pub const ATTACK_KINDS: [&str; 8] = [
    "unfamiliarFeatures",
    "unlikelyTravel",
    "bruteForce",
    "mfaFatigue",
    "legacyAuthentication",
    "sessionAnomaly",
    "anonymizedIPAddress",
    "newCountry",
];

/// One labelled attack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttackLabel {
    pub instance: usize,
    pub kind: String,
    pub user_id: String,
    pub user_principal_name: String,
    pub start: DateTime<Utc>,
    /// Request ids of the attacker's sign-ins.
    pub request_ids: Vec<String>,
}

/// The labels file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    pub seed: u64,
    pub users: usize,
    pub days: u32,
    pub start: DateTime<Utc>,
    pub attacks: Vec<AttackLabel>,
}

/// What a simulation produced.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub sign_ins: Vec<SignIn>,
    pub audits: Vec<AuditEvent>,
    pub labels: Labels,
    pub tenant_id: String,
}

#[derive(Debug, Clone)]
struct Client {
    os: &'static str,
    browser: &'static str,
    ua: &'static str,
    device_id: String,
    trust: &'static str,
    client_app: &'static str,
}

#[derive(Debug, Clone)]
struct User {
    id: String,
    upn: String,
    name: String,
    home: usize,
    office: Option<usize>,
    isp: (u32, [u8; 2]),
    home_ip: Ipv4Addr,
    laptop: Client,
    phone: Client,
    apps: Vec<usize>,
    start_hour: f64,
    work_hours: f64,
    weekend_worker: bool,
    evening: bool,
    vpn_user: bool,
    start_day: u32,
    trip: Option<(u32, u32, usize)>,
    new_laptop_day: Option<u32>,
    rollout_day: Option<u32>,
}

fn uuid(rng: &mut SmallRng) -> String {
    uuid::Uuid::from_u128(rng.random::<u128>() & !(0xf000 << 64) | (0x4000 << 64)).to_string()
}

fn ip_in(prefix: [u8; 2], rng: &mut SmallRng) -> Ipv4Addr {
    Ipv4Addr::new(
        prefix[0],
        prefix[1],
        rng.random_range(0..=255),
        rng.random_range(1..=254),
    )
}

fn laptop(rng: &mut SmallRng) -> Client {
    let (os, browser, ua) = *DESKTOP.choose(rng).expect("non-empty");
    let registered = rng.random_bool(0.7);
    Client {
        os,
        browser,
        ua,
        device_id: if registered { uuid(rng) } else { String::new() },
        trust: if registered { "Azure AD joined" } else { "" },
        client_app: "Browser",
    }
}

fn phone(rng: &mut SmallRng) -> Client {
    let (os, browser, ua) = *MOBILE.choose(rng).expect("non-empty");
    Client {
        os,
        browser,
        ua,
        device_id: uuid(rng),
        trust: "Azure AD registered",
        client_app: "Mobile Apps and Desktop clients",
    }
}

struct Gen {
    rng: SmallRng,
    opts: SimOptions,
    tenant: String,
    users: Vec<User>,
    sign_ins: Vec<SignIn>,
    audits: Vec<AuditEvent>,
}

/// Where a sign-in comes from.
#[derive(Debug, Clone)]
struct Net {
    ip: IpAddr,
    asn: u32,
    city: &'static str,
    state: &'static str,
    country: &'static str,
    lat: f64,
    lon: f64,
}

impl Net {
    fn in_city(c: &City, ip: Ipv4Addr, asn: u32) -> Net {
        Net {
            ip: IpAddr::V4(ip),
            asn,
            city: c.name,
            state: c.state,
            country: c.country,
            lat: c.lat,
            lon: c.lon,
        }
    }
}

/// Parameters of one generated sign-in.
struct Spec<'a> {
    user: &'a User,
    time: DateTime<Utc>,
    net: &'a Net,
    client: &'a Client,
    app: (&'static str, &'static str, &'static str, &'static str),
    category: SignInCategory,
    code: i64,
    details: &'static str,
    session: &'a str,
}

impl Gen {
    fn sign_in(&mut self, s: Spec) -> String {
        let id = uuid(&mut self.rng);
        let corr = uuid(&mut self.rng);
        let failure_reason = match s.code {
            0 => "Other.",
            50126 => "Invalid username or password or Invalid on-premise username or password.",
            50053 => "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
            500121 => "Authentication failed during strong authentication request.",
            50074 => "Strong Authentication is required.",
            _ => "Other.",
        };
        let legacy = s.client.client_app != "Browser"
            && s.client.client_app != "Mobile Apps and Desktop clients";
        let sign_in = SignIn {
            request_id: id.clone(),
            correlation_id: corr,
            session_id: s.session.to_owned(),
            original_request_id: id.clone(),
            time: s.time,
            tenant_id: self.tenant.clone(),
            user_id: s.user.id.clone(),
            user_principal_name: s.user.upn.clone(),
            user_display_name: s.user.name.clone(),
            user_type: "member".into(),
            category: s.category,
            app_id: s.app.0.into(),
            app_display_name: s.app.1.into(),
            resource_id: s.app.2.into(),
            resource_display_name: s.app.3.into(),
            ip_address: Some(s.net.ip),
            asn: Some(s.net.asn),
            location: Location {
                city: s.net.city.into(),
                state: s.net.state.into(),
                country: s.net.country.into(),
                latitude: Some(s.net.lat),
                longitude: Some(s.net.lon),
            },
            device: Device {
                id: s.client.device_id.clone(),
                operating_system: s.client.os.into(),
                browser: s.client.browser.into(),
                is_compliant: Some(!s.client.device_id.is_empty()),
                is_managed: Some(!s.client.device_id.is_empty()),
                trust_type: s.client.trust.into(),
            },
            user_agent: s.client.ua.into(),
            client_app_used: s.client.client_app.into(),
            authentication_protocol: if legacy { "ropc".into() } else { "none".into() },
            incoming_token_type: if s.category == SignInCategory::NonInteractive {
                "refreshToken".into()
            } else {
                "none".into()
            },
            authentication_requirement: "multiFactorAuthentication".into(),
            authentication_details: Vec::new(),
            status: Status {
                error_code: s.code,
                failure_reason: failure_reason.into(),
                additional_details: s.details.into(),
            },
            conditional_access_status: if s.code == 0 {
                "success".into()
            } else {
                "notApplied".into()
            },
            microsoft_risk: Default::default(),
        };
        self.sign_ins.push(sign_in);
        id
    }

    fn make_users(&mut self) {
        let n = self.opts.users;
        let days = self.opts.days;
        for i in 0..n {
            let rng = &mut self.rng;
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let office_pick: f64 = rng.random();
            let office = if office_pick < 0.5 {
                0
            } else if office_pick < 0.75 {
                1
            } else {
                2
            };
            let home = match office {
                0 => *[0usize, 0, 0, 1, 2, 8].choose(rng).expect("non-empty"),
                1 => *[3usize, 3, 4].choose(rng).expect("non-empty"),
                _ => *[5usize, 5, 6, 7].choose(rng).expect("non-empty"),
            };
            let remote = home != OFFICES[office].0;
            let isp = *HOME_CITIES[home].isps.choose(rng).expect("non-empty");
            let mut apps = vec![0, 1, 2, 3];
            if rng.random_bool(0.1) {
                apps.push(5);
            }
            let new_hire = rng.random_bool(0.08);
            let trip = if rng.random_bool(0.1) && days > 12 {
                let start = rng.random_range(4..days - 6);
                Some((
                    start,
                    start + rng.random_range(3..6),
                    rng.random_range(0..TRAVEL_CITIES.len()),
                ))
            } else {
                None
            };
            let id = uuid(rng);
            let home_ip = ip_in(isp.1, rng);
            let laptop = laptop(rng);
            let phone = phone(rng);
            let u = User {
                id,
                upn: format!(
                    "{}.{}{}@contoso.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i
                )
                .to_lowercase(),
                name: format!("{first} {last}"),
                home,
                office: if remote && rng.random_bool(0.7) {
                    None
                } else {
                    Some(office)
                },
                isp,
                home_ip,
                laptop,
                phone,
                apps,
                start_hour: rng.random_range(7.0..10.0),
                work_hours: rng.random_range(7.5..9.5),
                weekend_worker: rng.random_bool(0.05),
                evening: rng.random_bool(0.15),
                vpn_user: rng.random_bool(0.25),
                start_day: if new_hire {
                    rng.random_range(days / 3..(2 * days / 3).max(days / 3 + 1))
                } else {
                    0
                },
                trip,
                new_laptop_day: if rng.random_bool(0.05) {
                    Some(rng.random_range(3..days.max(4)))
                } else {
                    None
                },
                rollout_day: if rng.random_bool(0.7) {
                    Some(rng.random_range(days * 2 / 5..days.max(days * 2 / 5 + 1)))
                } else {
                    None
                },
            };
            self.users.push(u);
        }
    }

    /// The network a user is on for a day (and whether it is a travel day with no sign-ins).
    fn day_net(&mut self, u: &User, day: u32) -> Option<(Net, City)> {
        if let Some((start, end, dest)) = u.trip {
            if day == start || day == end {
                return None; // flying
            }
            if day > start && day < end {
                let c = TRAVEL_CITIES[dest];
                let ip = ip_in(c.isps[0].1, &mut self.rng);
                return Some((Net::in_city(&c, ip, c.isps[0].0), c));
            }
        }
        let home = HOME_CITIES[u.home];
        let r: f64 = self.rng.random();
        if u.vpn_user && r < 0.3 {
            let node = VPN_NODES[if home.country == "US" || home.country == "CA" {
                0
            } else if home.country == "GB" {
                2
            } else {
                1
            }];
            let ip = Ipv4Addr::new(
                node.5[0],
                node.5[1],
                node.5[2],
                self.rng.random_range(1..=254),
            );
            let net = Net {
                ip: IpAddr::V4(ip),
                asn: VPN_ASN,
                city: node.0,
                state: node.1,
                country: node.2,
                lat: node.3,
                lon: node.4,
            };
            return Some((net, home));
        }
        if let Some(o) = u.office {
            if r < 0.75 {
                let (ci, asn, p) = OFFICES[o];
                let c = HOME_CITIES[ci];
                let ip = Ipv4Addr::new(p[0], p[1], p[2], self.rng.random_range(1..=254));
                return Some((Net::in_city(&c, ip, asn), home));
            }
        }
        Some((Net::in_city(&home, u.home_ip, u.isp.0), home))
    }

    fn carrier_net(&mut self, city: &City) -> Net {
        // Carrier geo-IP is coarse: the home city or a neighbour up to ~150 km away.
        let ip = ip_in(city.carrier.1, &mut self.rng);
        let mut net = Net::in_city(city, ip, city.carrier.0);
        net.lat += self.rng.random_range(-1.0..1.0);
        net.lon += self.rng.random_range(-1.0..1.0);
        net
    }

    fn at(&mut self, day: u32, local_hour: f64, tz: i64) -> DateTime<Utc> {
        let secs = ((local_hour - tz as f64) * 3600.0) as i64 + self.rng.random_range(0..60);
        self.opts.start + Duration::days(day as i64) + Duration::seconds(secs)
    }

    fn benign(&mut self) {
        let users = self.users.clone();
        let days = self.opts.days;
        for mut u in users {
            for day in u.start_day..days {
                if u.new_laptop_day == Some(day) {
                    u.laptop = laptop(&mut self.rng);
                }
                if u.rollout_day == Some(day) {
                    u.apps.push(usize::MAX);
                }
                let weekday = (self.opts.start + Duration::days(day as i64))
                    .weekday()
                    .num_days_from_monday();
                let workday = weekday < 5 || (u.weekend_worker && self.rng.random_bool(0.5));
                let Some((net, city)) = self.day_net(&u, day) else {
                    continue;
                };
                let session = uuid(&mut self.rng);
                if workday {
                    self.work_day(&u, day, &net, &city, &session);
                }
                // Phone: token refreshes across the waking day.
                for _ in 0..self.rng.random_range(2..5) {
                    let hour = self.rng.random_range(7.0..22.0);
                    let t = self.at(day, hour, city.tz);
                    let pnet = if hour > 19.0 || !workday {
                        net.clone()
                    } else {
                        self.carrier_net(&city)
                    };
                    let phone = u.phone.clone();
                    let psession = format!("{}-phone", &u.id[..8]);
                    self.sign_in(Spec {
                        user: &u,
                        time: t,
                        net: &pnet,
                        client: &phone,
                        app: APPS[0],
                        category: SignInCategory::NonInteractive,
                        code: 0,
                        details: "MFA requirement satisfied by claim in the token",
                        session: &psession,
                    });
                }
                if self.rng.random_bool(0.005) {
                    // A self-service password change (benign audit).
                    let t = self.at(day, 12.0, city.tz);
                    self.audit(
                        &u,
                        t,
                        "Change password (self-service)",
                        "Self-service Password Management",
                        "UserManagement",
                        &net,
                    );
                }
            }
        }
    }

    fn app_of(&mut self, u: &User) -> (&'static str, &'static str, &'static str, &'static str) {
        match *u.apps.choose(&mut self.rng).expect("non-empty") {
            usize::MAX => ROLLOUT_APP,
            i => APPS[i],
        }
    }

    fn work_day(&mut self, u: &User, day: u32, net: &Net, city: &City, session: &str) {
        let n = self.rng.random_range(1..4);
        let mut hours: Vec<f64> = (0..n)
            .map(|_| u.start_hour + self.rng.random_range(0.0..u.work_hours))
            .collect();
        if u.evening && self.rng.random_bool(0.3) {
            hours.push(self.rng.random_range(19.0..22.5));
        }
        for h in hours {
            let t = self.at(day, h, city.tz);
            let app = self.app_of(u);
            let client = u.laptop.clone();
            if self.rng.random_bool(0.03) {
                for k in 0..self.rng.random_range(1..3) {
                    let tf = t - Duration::seconds(20 * (k + 1));
                    self.sign_in(Spec {
                        user: u,
                        time: tf,
                        net,
                        client: &client,
                        app,
                        category: SignInCategory::Interactive,
                        code: 50126,
                        details: "",
                        session,
                    });
                }
            }
            if self.rng.random_bool(0.005) {
                let tf = t - Duration::seconds(40);
                self.sign_in(Spec {
                    user: u,
                    time: tf,
                    net,
                    client: &client,
                    app,
                    category: SignInCategory::Interactive,
                    code: 500121,
                    details: "MFA denied; user declined the authentication",
                    session,
                });
            }
            if self.rng.random_bool(0.05) {
                let tf = t - Duration::seconds(15);
                self.sign_in(Spec {
                    user: u,
                    time: tf,
                    net,
                    client: &client,
                    app,
                    category: SignInCategory::Interactive,
                    code: 50074,
                    details: "",
                    session,
                });
                self.sign_in(Spec {
                    user: u,
                    time: t,
                    net,
                    client: &client,
                    app,
                    category: SignInCategory::Interactive,
                    code: 0,
                    details: "MFA successfully completed",
                    session,
                });
            } else {
                self.sign_in(Spec {
                    user: u,
                    time: t,
                    net,
                    client: &client,
                    app,
                    category: SignInCategory::Interactive,
                    code: 0,
                    details: "MFA requirement satisfied by claim in the token",
                    session,
                });
            }
        }
        for _ in 0..self.rng.random_range(2..6) {
            let h = u.start_hour + self.rng.random_range(0.0..u.work_hours);
            let t = self.at(day, h, city.tz);
            let app = APPS[4];
            let client = u.laptop.clone();
            self.sign_in(Spec {
                user: u,
                time: t,
                net,
                client: &client,
                app,
                category: SignInCategory::NonInteractive,
                code: 0,
                details: "MFA requirement satisfied by claim in the token",
                session,
            });
        }
    }

    fn audit(
        &mut self,
        u: &User,
        t: DateTime<Utc>,
        activity: &str,
        service: &str,
        category: &str,
        net: &Net,
    ) -> String {
        let id = format!("{}_{}", category, uuid(&mut self.rng));
        self.audits.push(AuditEvent {
            id: id.clone(),
            time: t,
            tenant_id: self.tenant.clone(),
            correlation_id: uuid(&mut self.rng),
            activity_display_name: activity.into(),
            category: category.into(),
            result: "success".into(),
            result_reason: String::new(),
            logged_by_service: service.into(),
            operation_type: "Update".into(),
            initiated_by: Initiator {
                user_id: u.id.clone(),
                user_principal_name: u.upn.clone(),
                user_display_name: u.name.clone(),
                ip_address: net.ip.to_string(),
                ..Default::default()
            },
            target_resources: vec![TargetResource {
                id: u.id.clone(),
                display_name: u.name.clone(),
                kind: "User".into(),
                user_principal_name: u.upn.clone(),
                modified_properties: Vec::new(),
            }],
        });
        id
    }

    fn attacker_net(&mut self, kind: &str, victim: &User) -> Net {
        if kind == "anonymizedIPAddress" {
            let ip = Ipv4Addr::new(
                185,
                220,
                self.rng.random_range(100..104),
                self.rng.random_range(1..=254),
            );
            let c = ATTACKER_CITIES[2];
            return Net {
                ip: IpAddr::V4(ip),
                asn: TOR_ASN,
                city: c.name,
                state: c.state,
                country: c.country,
                lat: c.lat,
                lon: c.lon,
            };
        }
        // An attacker city; for travel and new-country attacks, far away / abroad; for
        // unfamiliar-features attacks a proxy in the victim's own country.
        let home = HOME_CITIES[victim.home];
        if kind == "unfamiliarFeatures" {
            let c = *DOMESTIC_PROXIES
                .iter()
                .find(|c| c.country == home.country)
                .unwrap_or(&DOMESTIC_PROXIES[0]);
            let ip = ip_in(c.isps[0].1, &mut self.rng);
            return Net::in_city(&c, ip, c.isps[0].0);
        }
        loop {
            let c = *ATTACKER_CITIES.choose(&mut self.rng).expect("non-empty");
            let far = crate::detect::geo::distance_km((c.lat, c.lon), (home.lat, home.lon)) > 500.0;
            let abroad = c.country != home.country;
            let very_far =
                crate::detect::geo::distance_km((c.lat, c.lon), (home.lat, home.lon)) > 2500.0;
            let ok = match kind {
                "newCountry" => abroad,
                // Travel attacks come right after the victim's own sign-in: make them
                // physically impossible (>2,500 km within 90 minutes).
                "unlikelyTravel" => very_far,
                _ => far,
            };
            if ok {
                let ip = ip_in(c.isps[0].1, &mut self.rng);
                return Net::in_city(&c, ip, c.isps[0].0);
            }
        }
    }

    fn attacks(&mut self) -> Vec<AttackLabel> {
        let mut labels = Vec::new();
        let days = self.opts.days;
        let candidates: Vec<usize> = (0..self.users.len())
            .filter(|&i| self.users[i].start_day == 0 && self.users[i].trip.is_none())
            .collect();
        if candidates.is_empty() || days < 10 {
            return labels;
        }
        let mut victims = candidates.clone();
        for instance in 0..self.opts.attacks {
            let kind = ATTACK_KINDS[instance % ATTACK_KINDS.len()];
            let idx = self.rng.random_range(0..victims.len());
            let vi = victims.swap_remove(idx);
            if victims.is_empty() {
                victims = candidates.clone();
            }
            let victim = self.users[vi].clone();
            let day = self.rng.random_range(days / 3..days - 1);
            // Anchor on the victim's first interactive success that day or later.
            let anchor = self
                .sign_ins
                .iter()
                .filter(|s| {
                    s.user_id == victim.id
                        && s.category == SignInCategory::Interactive
                        && s.status.error_code == 0
                })
                .filter(|s| s.time >= self.opts.start + Duration::days(day as i64))
                .min_by_key(|s| s.time)
                .cloned();
            let Some(anchor) = anchor else { continue };
            let net = self.attacker_net(kind, &victim);
            let (aos, abrowser, aua) = *ATTACKER_AGENTS.choose(&mut self.rng).expect("non-empty");
            let mut client = Client {
                os: aos,
                browser: abrowser,
                ua: aua,
                device_id: String::new(),
                trust: "",
                client_app: "Browser",
            };
            let app = APPS[0];
            let mut ids = Vec::new();
            let start;
            let session = uuid(&mut self.rng);
            match kind {
                "unlikelyTravel" => {
                    // Right after the victim's own sign-in, from far away, with a common browser.
                    client.ua = DESKTOP[1].2;
                    client.os = DESKTOP[1].0;
                    client.browser = DESKTOP[1].1;
                    start = anchor.time + Duration::minutes(self.rng.random_range(20..90));
                    ids.push(self.sign_in(Spec {
                        user: &victim,
                        time: start,
                        net: &net,
                        client: &client,
                        app,
                        category: SignInCategory::Interactive,
                        code: 0,
                        details: "MFA requirement satisfied by claim in the token",
                        session: &session,
                    }));
                }
                "bruteForce" => {
                    start = anchor.time + Duration::hours(self.rng.random_range(2..20));
                    let n = self.rng.random_range(15..40);
                    let span = self.rng.random_range(180..600);
                    for k in 0..n {
                        let t = start + Duration::seconds(span * k / n);
                        ids.push(self.sign_in(Spec {
                            user: &victim,
                            time: t,
                            net: &net,
                            client: &client,
                            app,
                            category: SignInCategory::Interactive,
                            code: 50126,
                            details: "",
                            session: "",
                        }));
                    }
                    if self.rng.random_bool(0.6) {
                        let t = start + Duration::seconds(span + 30);
                        ids.push(self.sign_in(Spec {
                            user: &victim,
                            time: t,
                            net: &net,
                            client: &client,
                            app,
                            category: SignInCategory::Interactive,
                            code: 0,
                            details: "MFA requirement satisfied by claim in the token",
                            session: &session,
                        }));
                    }
                }
                "mfaFatigue" => {
                    start = anchor.time + Duration::hours(self.rng.random_range(2..20));
                    let n = self.rng.random_range(4..12);
                    for k in 0..n {
                        let t = start + Duration::seconds(45 * k);
                        ids.push(self.sign_in(Spec {
                            user: &victim,
                            time: t,
                            net: &net,
                            client: &client,
                            app,
                            category: SignInCategory::Interactive,
                            code: 500121,
                            details: "MFA denied; user did not respond to mobile app notification",
                            session: "",
                        }));
                    }
                    let t = start + Duration::seconds(45 * n + 20);
                    ids.push(self.sign_in(Spec {
                        user: &victim,
                        time: t,
                        net: &net,
                        client: &client,
                        app,
                        category: SignInCategory::Interactive,
                        code: 0,
                        details: "MFA successfully completed",
                        session: &session,
                    }));
                    if self.rng.random_bool(0.5) {
                        self.audit(
                            &victim,
                            t + Duration::minutes(7),
                            "User registered security info",
                            "Authentication Methods",
                            "UserManagement",
                            &net,
                        );
                    }
                }
                "legacyAuthentication" => {
                    start = anchor.time + Duration::hours(self.rng.random_range(2..20));
                    client = Client {
                        os: "",
                        browser: "",
                        ua: "BAV2ROPC",
                        device_id: String::new(),
                        trust: "",
                        client_app: if self.rng.random_bool(0.5) {
                            "IMAP4"
                        } else {
                            "Authenticated SMTP"
                        },
                    };
                    ids.push(self.sign_in(Spec {
                        user: &victim,
                        time: start,
                        net: &net,
                        client: &client,
                        app,
                        category: SignInCategory::Interactive,
                        code: 0,
                        details: "",
                        session: "",
                    }));
                }
                "sessionAnomaly" => {
                    // Token replay: the victim's own session and browser, from the attacker's network.
                    client = u_client(&victim.laptop);
                    client.device_id.clear();
                    client.trust = "";
                    start = anchor.time + Duration::minutes(self.rng.random_range(10..120));
                    for k in 0..self.rng.random_range(1..4) {
                        let t = start + Duration::minutes(7 * k);
                        ids.push(self.sign_in(Spec {
                            user: &victim,
                            time: t,
                            net: &net,
                            client: &client,
                            app: APPS[4],
                            category: SignInCategory::NonInteractive,
                            code: 0,
                            details: "MFA requirement satisfied by claim in the token",
                            session: &anchor.session_id,
                        }));
                    }
                }
                _ => {
                    // unfamiliarFeatures, anonymizedIPAddress, newCountry: a phished password
                    // (and MFA relayed) used from the attacker's own machine.
                    start = anchor.time + Duration::hours(self.rng.random_range(2..20));
                    ids.push(self.sign_in(Spec {
                        user: &victim,
                        time: start,
                        net: &net,
                        client: &client,
                        app,
                        category: SignInCategory::Interactive,
                        code: 0,
                        details: "MFA requirement satisfied by claim in the token",
                        session: &session,
                    }));
                    for k in 1..self.rng.random_range(1..4) {
                        let t = start + Duration::minutes(11 * k);
                        ids.push(self.sign_in(Spec {
                            user: &victim,
                            time: t,
                            net: &net,
                            client: &client,
                            app: APPS[4],
                            category: SignInCategory::NonInteractive,
                            code: 0,
                            details: "MFA requirement satisfied by claim in the token",
                            session: &session,
                        }));
                    }
                    if self.rng.random_bool(0.5) {
                        self.audit(
                            &victim,
                            start + Duration::minutes(9),
                            "User registered security info",
                            "Authentication Methods",
                            "UserManagement",
                            &net,
                        );
                    }
                }
            }
            labels.push(AttackLabel {
                instance: labels.len() + 1,
                kind: kind.to_owned(),
                user_id: victim.id.clone(),
                user_principal_name: victim.upn.clone(),
                start,
                request_ids: ids,
            });
        }
        labels
    }
}

fn u_client(c: &Client) -> Client {
    c.clone()
}

/// Runs a simulation.
pub fn simulate(opts: &SimOptions) -> Simulation {
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let tenant = uuid(&mut rng);
    let mut g = Gen {
        rng,
        opts: opts.clone(),
        tenant,
        users: Vec::new(),
        sign_ins: Vec::new(),
        audits: Vec::new(),
    };
    g.make_users();
    g.benign();
    let attacks = g.attacks();
    g.sign_ins
        .sort_by(|a, b| a.time.cmp(&b.time).then(a.request_id.cmp(&b.request_id)));
    g.audits
        .sort_by(|a, b| a.time.cmp(&b.time).then(a.id.cmp(&b.id)));
    Simulation {
        labels: Labels {
            seed: opts.seed,
            users: opts.users,
            days: opts.days,
            start: opts.start,
            attacks,
        },
        sign_ins: g.sign_ins,
        audits: g.audits,
        tenant_id: g.tenant,
    }
}

/// A cheap synthetic sign-in for load generation (benchmarks): user `user` of a large
/// tenant, its `k`-th sign-in, drawn from small per-user pools of networks, devices and apps
/// so profiles fill up realistically without running the full simulation.
pub fn load_sign_in(user: u64, k: u64, start: DateTime<Utc>) -> SignIn {
    let h = |x: u64| {
        x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
            ^ user.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
    };
    let city = HOME_CITIES[(user % HOME_CITIES.len() as u64) as usize];
    let net_pick = h(k) % 10;
    let (asn, ip) = if net_pick < 6 {
        let isp = city.isps[(user % city.isps.len() as u64) as usize];
        (
            isp.0,
            Ipv4Addr::new(
                isp.1[0],
                isp.1[1],
                (user % 251) as u8,
                (user % 241) as u8 + 1,
            ),
        )
    } else if net_pick < 9 {
        let (_, asn, p) = OFFICES[(user % OFFICES.len() as u64) as usize];
        (
            asn,
            Ipv4Addr::new(p[0], p[1], p[2], (h(k + 7) % 250) as u8 + 1),
        )
    } else {
        (
            city.carrier.0,
            Ipv4Addr::new(
                city.carrier.1[0],
                city.carrier.1[1],
                (h(k) % 256) as u8,
                (h(k + 1) % 250) as u8 + 1,
            ),
        )
    };
    let (os, browser, ua) = DESKTOP[(user % DESKTOP.len() as u64) as usize];
    let app = APPS[(h(k + 3) % 5) as usize];
    let time = start + Duration::minutes((k * 97 + user % 600) as i64);
    SignIn {
        request_id: format!("{user:x}-{k:x}"),
        correlation_id: String::new(),
        session_id: String::new(),
        original_request_id: String::new(),
        time,
        tenant_id: "bench".into(),
        user_id: format!("user-{user}"),
        user_principal_name: format!("user{user}@contoso.com"),
        user_display_name: String::new(),
        user_type: "member".into(),
        category: if k.is_multiple_of(3) {
            SignInCategory::Interactive
        } else {
            SignInCategory::NonInteractive
        },
        app_id: app.0.into(),
        app_display_name: app.1.into(),
        resource_id: app.2.into(),
        resource_display_name: app.3.into(),
        ip_address: Some(IpAddr::V4(ip)),
        asn: Some(asn),
        location: Location {
            city: city.name.into(),
            state: city.state.into(),
            country: city.country.into(),
            latitude: Some(city.lat),
            longitude: Some(city.lon),
        },
        device: Device {
            id: format!("dev-{user}"),
            operating_system: os.into(),
            browser: browser.into(),
            is_compliant: Some(true),
            is_managed: Some(true),
            trust_type: "Azure AD joined".into(),
        },
        user_agent: ua.into(),
        client_app_used: "Browser".into(),
        authentication_protocol: "none".into(),
        incoming_token_type: "none".into(),
        authentication_requirement: "multiFactorAuthentication".into(),
        authentication_details: Vec::new(),
        status: Status::default(),
        conditional_access_status: "success".into(),
        microsoft_risk: Default::default(),
    }
}
