#!/usr/bin/env python3
"""Generate an example estate: providers, policies, regions, defaults and N branch sites.

The committed ``intents/`` folder is this script's output for 80 sites::

    python examples/generate_estate.py intents --sites 80

Benchmarks call :func:`generate` for 1,000 and 10,000 sites. Addressing is deterministic:
site *i* (1-based) gets circuit /30s at offset 4*i in each provider's block, LAN segments
10.<i>.<vlan>.0/24 (10.x/22 blocks beyond 250 sites), loopback 10.255.<hi>.<lo>/32 and ASN
65000+i (4-byte private ASNs beyond 534 sites).
"""

from __future__ import annotations

import argparse
import ipaddress
import shutil
from pathlib import Path

HEADER = "# yaml-language-server: $schema=../../schema/{kind}.schema.json\n"

REGIONS: dict[str, dict[str, object]] = {
    "west": {
        "description": "Pacific and Mountain stores",
        "providers": ("fibrelink", "cablenet", "skycell"),
        "cities": [
            ("sea", "Seattle, WA"),
            ("pdx", "Portland, OR"),
            ("sfo", "San Francisco, CA"),
            ("sjc", "San Jose, CA"),
            ("oak", "Oakland, CA"),
            ("lax", "Los Angeles, CA"),
            ("san", "San Diego, CA"),
            ("phx", "Phoenix, AZ"),
            ("las", "Las Vegas, NV"),
            ("den", "Denver, CO"),
            ("slc", "Salt Lake City, UT"),
            ("boi", "Boise, ID"),
            ("sac", "Sacramento, CA"),
            ("tus", "Tucson, AZ"),
            ("abq", "Albuquerque, NM"),
            ("geg", "Spokane, WA"),
            ("rno", "Reno, NV"),
            ("fat", "Fresno, CA"),
            ("cos", "Colorado Springs, CO"),
            ("anc", "Anchorage, AK"),
        ],
    },
    "central": {
        "description": "Midwest and Plains stores",
        "providers": ("fibrelink", "broadwave", "aircarrier"),
        "cities": [
            ("chi", "Chicago, IL"),
            ("mke", "Milwaukee, WI"),
            ("msp", "Minneapolis, MN"),
            ("stl", "St. Louis, MO"),
            ("mci", "Kansas City, MO"),
            ("oma", "Omaha, NE"),
            ("dsm", "Des Moines, IA"),
            ("ind", "Indianapolis, IN"),
            ("cmh", "Columbus, OH"),
            ("cle", "Cleveland, OH"),
            ("dtw", "Detroit, MI"),
            ("grr", "Grand Rapids, MI"),
            ("cvg", "Cincinnati, OH"),
            ("sdf", "Louisville, KY"),
            ("ict", "Wichita, KS"),
            ("msn", "Madison, WI"),
            ("fsd", "Sioux Falls, SD"),
            ("far", "Fargo, ND"),
            ("tol", "Toledo, OH"),
            ("pia", "Peoria, IL"),
        ],
    },
    "east": {
        "description": "Northeast and Mid-Atlantic stores",
        "providers": ("metrofiber", "cablenet", "aircarrier"),
        "cities": [
            ("nyc", "New York, NY"),
            ("bos", "Boston, MA"),
            ("phl", "Philadelphia, PA"),
            ("pit", "Pittsburgh, PA"),
            ("bwi", "Baltimore, MD"),
            ("dca", "Washington, DC"),
            ("ric", "Richmond, VA"),
            ("bdl", "Hartford, CT"),
            ("pvd", "Providence, RI"),
            ("alb", "Albany, NY"),
            ("buf", "Buffalo, NY"),
            ("syr", "Syracuse, NY"),
            ("ewr", "Newark, NJ"),
            ("pwm", "Portland, ME"),
            ("btv", "Burlington, VT"),
            ("abe", "Allentown, PA"),
            ("orf", "Norfolk, VA"),
            ("mht", "Manchester, NH"),
            ("roc", "Rochester, NY"),
            ("hpn", "White Plains, NY"),
        ],
    },
    "south": {
        "description": "Southeast and Texas stores",
        "providers": ("metrofiber", "broadwave", "skycell"),
        "cities": [
            ("atl", "Atlanta, GA"),
            ("mia", "Miami, FL"),
            ("tpa", "Tampa, FL"),
            ("mco", "Orlando, FL"),
            ("jax", "Jacksonville, FL"),
            ("clt", "Charlotte, NC"),
            ("rdu", "Raleigh, NC"),
            ("bna", "Nashville, TN"),
            ("mem", "Memphis, TN"),
            ("msy", "New Orleans, LA"),
            ("hou", "Houston, TX"),
            ("dfw", "Dallas, TX"),
            ("aus", "Austin, TX"),
            ("sat", "San Antonio, TX"),
            ("okc", "Oklahoma City, OK"),
            ("bhm", "Birmingham, AL"),
            ("chs", "Charleston, SC"),
            ("sav", "Savannah, GA"),
            ("lit", "Little Rock, AR"),
            ("elp", "El Paso, TX"),
        ],
    },
}

PROVIDERS: dict[str, dict[str, object]] = {
    "fibrelink": {
        "name": "FibreLink Business",
        "kind": "fiber",
        "asn": 64501,
        "block": "100.64.0.0/16",
        "tracking": "100.64.255.1",
        "prefix": "FL",
        "noc": "+1-800-555-0101",
        "password": True,
    },
    "metrofiber": {
        "name": "MetroFiber Enterprise",
        "kind": "fiber",
        "asn": 64502,
        "block": "100.65.0.0/16",
        "tracking": "100.65.255.1",
        "prefix": "MF",
        "noc": "+1-800-555-0102",
        "password": True,
    },
    "cablenet": {
        "name": "CableNet Business Internet",
        "kind": "broadband",
        "asn": 64503,
        "block": "100.66.0.0/16",
        "tracking": "100.66.255.1",
        "prefix": "CN",
        "noc": "+1-800-555-0103",
        "password": False,
    },
    "broadwave": {
        "name": "BroadWave Business",
        "kind": "broadband",
        "asn": 64504,
        "block": "100.67.0.0/16",
        "tracking": "100.67.255.1",
        "prefix": "BW",
        "noc": "+1-800-555-0104",
        "password": False,
    },
    "skycell": {
        "name": "SkyCell Wireless",
        "kind": "wireless",
        "asn": 64505,
        "block": "100.68.0.0/16",
        "tracking": "100.68.255.1",
        "prefix": "SKY",
        "noc": "+1-800-555-0105",
        "password": False,
    },
    "aircarrier": {
        "name": "AirCarrier 5G Business",
        "kind": "wireless",
        "asn": 64506,
        "block": "100.69.0.0/16",
        "tracking": "100.69.255.1",
        "prefix": "AIR",
        "noc": "+1-800-555-0106",
        "password": False,
    },
}

MEDIA = {"primary_dia": "fiber", "secondary_dia": "broadband"}

DEFAULTS = """\
# Estate-wide settings and the defaults every site inherits (regions and sites override).
estate:
  name: acme-retail-wan
  # Out-of-band management; the lab assigns device addresses from here.
  management_network: 198.18.0.0/22
  # Every site must reach these over any circuit: the definition of "site up".
  reachability:
    hub: 198.51.100.10      # data-centre hub
    saas: 203.0.113.10      # SaaS front door
  discard_address: 100.127.255.254
  # The blast-radius gate: how far one change may reach before it needs an explicit override
  # (`--allow-wide-change REASON`, recorded in the audit log). Sites being onboarded (a first
  # rollout, a new site) are not counted. docs/review.md explains what counts as a change.
  change_policy:
    max_sites: 25%                  # of the estate (20 of 80 sites)
    max_sites_per_region: 50%       # of each region
    max_circuit_roles_per_site: 1   # never both DIAs (or a DIA and the wireless) of a site at once
    override_required_for: [estate, provider]

site_defaults:
  platform: frr
  policy: retail-standard
  bgp:
    keepalive: 3
    hold: 9
    connect_retry: 10     # reopen a session 10 s after a circuit returns (FRR default: 120 s)
  bfd:
    profile: wan
    interval_ms: 500
    multiplier: 3
  # Preference of each circuit for the default route (in) and for return traffic (out).
  routing:
    primary_dia: {local_preference: 200, as_path_prepend: 0}
    secondary_dia: {local_preference: 150, as_path_prepend: 1}
    tertiary_wireless: {local_preference: 100, as_path_prepend: 3}
"""

POLICY_STANDARD = """\
policy: retail-standard
description: Standard store. Voice and video on fiber, SaaS offloaded to broadband, bulk and guest never on wireless.
classes:
  voice:
    description: IP telephony (RTP) from the voice VLAN
    match:
      dscp: [ef]
      segments: [voice]
    path_preference: [primary_dia, secondary_dia, tertiary_wireless]
    sla: {latency_ms: 150, jitter_ms: 30, loss_pct: 1}
  video:
    description: Video conferencing
    match:
      dscp: [af41]
      destinations: [203.0.113.128/26]
    path_preference: [primary_dia, secondary_dia, tertiary_wireless]
    sla: {latency_ms: 200, jitter_ms: 40, loss_pct: 2}
  saas:
    description: SaaS applications (office suite, CRM)
    match:
      destinations: [203.0.113.0/25]
    path_preference: [secondary_dia, primary_dia, tertiary_wireless]
    sla: {latency_ms: 250, jitter_ms: 60, loss_pct: 3}
  bulk:
    description: Backups and software distribution to the data centre
    match:
      dscp: [cs1]
      destinations: [198.51.100.128/25]
    path_preference: [secondary_dia, primary_dia]
    sla: {latency_ms: 1000, jitter_ms: 500, loss_pct: 5}
  guest:
    description: Guest Wi-Fi
    match:
      segments: [guest]
    path_preference: [secondary_dia, primary_dia]
    sla: {latency_ms: 500, jitter_ms: 200, loss_pct: 5}
guardrails:
  never_on_wireless: [bulk, guest]
"""

POLICY_FLAGSHIP = """\
policy: retail-flagship
description: Flagship store. Adds point-of-sale on fiber with broadband then wireless backup.
classes:
  pos:
    description: Card payments from the point-of-sale VLAN
    match:
      segments: [pos]
    path_preference: [primary_dia, secondary_dia, tertiary_wireless]
    sla: {latency_ms: 100, jitter_ms: 20, loss_pct: 0.5}
  voice:
    description: IP telephony (RTP) from the voice VLAN
    match:
      dscp: [ef]
      segments: [voice]
    path_preference: [primary_dia, secondary_dia, tertiary_wireless]
    sla: {latency_ms: 150, jitter_ms: 30, loss_pct: 1}
  video:
    description: Video conferencing and digital signage
    match:
      dscp: [af41]
      destinations: [203.0.113.128/26]
    path_preference: [primary_dia, secondary_dia, tertiary_wireless]
    sla: {latency_ms: 200, jitter_ms: 40, loss_pct: 2}
  saas:
    description: SaaS applications (office suite, CRM)
    match:
      destinations: [203.0.113.0/25]
    path_preference: [secondary_dia, primary_dia, tertiary_wireless]
    sla: {latency_ms: 250, jitter_ms: 60, loss_pct: 3}
  bulk:
    description: Backups and software distribution to the data centre
    match:
      dscp: [cs1]
      destinations: [198.51.100.128/25]
    path_preference: [secondary_dia, primary_dia]
    sla: {latency_ms: 1000, jitter_ms: 500, loss_pct: 5}
  guest:
    description: Guest Wi-Fi
    match:
      segments: [guest]
    path_preference: [secondary_dia, primary_dia]
    sla: {latency_ms: 500, jitter_ms: 200, loss_pct: 5}
guardrails:
  never_on_wireless: [bulk, guest]
"""


def _circuit_subnet(block: str, index: int) -> tuple[str, str]:
    net = ipaddress.IPv4Network(block)
    base = net.network_address + 4 * index
    return f"{base + 1}/30", str(base + 2)


def _lan(index: int, vlan: int, slot: int, compact: bool) -> str:
    if not compact:
        return f"10.{index}.{vlan}.1/24"
    block = ipaddress.IPv4Address("10.0.0.0") + 1024 * index
    return f"{block + 256 * slot + 1}/24"


def _site_ids(count: int) -> list[tuple[str, str, str]]:
    """(site id, human name, region) for ``count`` sites, round-robin over regions."""
    out: list[tuple[str, str, str]] = []
    names = list(REGIONS)
    per_region = {r: 0 for r in names}
    for i in range(1, count + 1):
        region = names[(i - 1) * len(names) // count] if count <= 80 else names[(i - 1) % len(names)]
        cities = REGIONS[region]["cities"]
        assert isinstance(cities, list)
        code, city = cities[per_region[region] % len(cities)]
        per_region[region] += 1
        out.append((f"{code}-{i:03d}" if count < 1000 else f"{code}-{i:05d}", f"{city} store #{i}", region))
    return out


def site_yaml(index: int, site_id: str, name: str, region: str, count: int) -> str:
    compact = count > 250
    providers = REGIONS[region]["providers"]
    assert isinstance(providers, tuple)
    flagship = index % 10 == 1
    asn = 65000 + index if index <= 534 else 4_200_000_000 + index
    lo = f"10.255.{index // 256}.{index % 256}/32"
    lines = [
        f"site: {site_id}",
        f'name: "{name}"',
        f"region: {region}",
        f"asn: {asn}",
        f"loopback: {lo}",
    ]
    if flagship:
        lines.append("policy: retail-flagship")
    lines.append("circuits:")
    bandwidth = {
        "primary_dia": 1000 if flagship else 500,
        "secondary_dia": 600 if flagship else 300,
        "tertiary_wireless": 150 if flagship else 100,
    }
    for role, provider in zip(("primary_dia", "secondary_dia", "tertiary_wireless"), providers, strict=True):
        spec = PROVIDERS[provider]
        address, gateway = _circuit_subnet(str(spec["block"]), index)
        lines += [
            f"  {role}:",
            f"    circuit_id: {spec['prefix']}-{site_id.upper()}-{index:05d}",
            f"    bandwidth_mbps: {bandwidth[role]}",
            f"    address: {address}",
            f"    gateway: {gateway}",
        ]
        if role == "tertiary_wireless":
            lines.append(f"    media: {'5g' if index % 3 == 0 else 'lte'}")
    segments = [("users", 10, "Store staff"), ("voice", 20, "IP phones"), ("guest", 30, "Guest Wi-Fi")]
    if flagship:
        segments.append(("pos", 40, "Point of sale"))
    lines.append("lan_segments:")
    for slot, (seg, vlan, desc) in enumerate(segments):
        lines += [
            f"  - name: {seg}",
            f"    vlan: {vlan}",
            f"    address: {_lan(index, vlan, slot, compact)}",
            f"    description: {desc}",
        ]
    return HEADER.format(kind="site") + "\n".join(lines) + "\n"


def region_yaml(region: str) -> str:
    spec = REGIONS[region]
    providers = spec["providers"]
    assert isinstance(providers, tuple)
    lines = [f"region: {region}", f"description: {spec['description']}", "site_defaults:", "  circuits:"]
    for role, provider in zip(("primary_dia", "secondary_dia", "tertiary_wireless"), providers, strict=True):
        lines.append(f"    {role}:")
        lines.append(f"      provider: {provider}")
        if role in MEDIA:
            lines.append(f"      media: {MEDIA[role]}")
    return HEADER.format(kind="region") + "\n".join(lines) + "\n"


def provider_yaml(provider: str) -> str:
    spec = PROVIDERS[provider]
    lines = [
        f"provider: {provider}",
        f"name: {spec['name']}",
        f"kind: {spec['kind']}",
        f"asn: {spec['asn']}",
        f"address_block: {spec['block']}",
        f"tracking_address: {spec['tracking']}",
    ]
    if spec["password"]:
        lines.append(f"bgp_password: {{secret: bgp-{provider}}}")
    lines += ["contact:", f'  noc_phone: "{spec["noc"]}"', f"  noc_email: noc@{provider}.example.net"]
    return HEADER.format(kind="provider") + "\n".join(lines) + "\n"


def generate(out: Path, count: int) -> list[str]:
    """Write a complete estate with ``count`` sites into ``out``; return the site ids."""
    if out.exists():
        shutil.rmtree(out)
    for sub in ("sites", "regions", "providers", "policies"):
        (out / sub).mkdir(parents=True)
    (out / "defaults.yaml").write_text(HEADER.format(kind="defaults").replace("../../", "../") + DEFAULTS)
    (out / "policies" / "retail-standard.yaml").write_text(HEADER.format(kind="policy") + POLICY_STANDARD)
    (out / "policies" / "retail-flagship.yaml").write_text(HEADER.format(kind="policy") + POLICY_FLAGSHIP)
    for region in REGIONS:
        (out / "regions" / f"{region}.yaml").write_text(region_yaml(region))
    for provider in PROVIDERS:
        (out / "providers" / f"{provider}.yaml").write_text(provider_yaml(provider))
    ids = []
    for index, (site_id, name, region) in enumerate(_site_ids(count), start=1):
        (out / "sites" / f"{site_id}.yaml").write_text(site_yaml(index, site_id, name, region, count))
        ids.append(site_id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to (re)create")
    parser.add_argument("--sites", type=int, default=80)
    args = parser.parse_args()
    ids = generate(args.out, args.sites)
    print(f"wrote {len(ids)} sites to {args.out}")


if __name__ == "__main__":
    main()
