"""Where deliveries may go: https to public addresses, unless the settings allow-list a host or
network. Checked when an endpoint is saved and again on every connection the dispatcher opens
(the resolved address is checked and then connected to, so DNS rebinding cannot slip a
private address in between)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, DummyCookieJar, TCPConnector
from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVE_TIMEOUT_SECONDS = 5.0


class AddressNotAllowed(Exception):
    """The destination is not a public address and not allow-listed."""


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in entries:
            entry = entry.strip().lower()
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def host_listed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if host in self.hosts:
            return True
        ip = _literal_ip(host)
        return ip is not None and any(ip in net for net in self.networks)

    def address_allowed(self, ip: IPAddress) -> bool:
        if any(ip in net for net in self.networks):
            return True
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return self.address_allowed(ip.ipv4_mapped)
        return ip.is_global and not ip.is_multicast


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str, allow: AllowList) -> tuple[str, int]:
    """Syntax and scheme; returns (host, port). ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise ValueError("must be an https URL")
    host = parts.hostname
    if not host:
        raise ValueError("must name a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; authenticate deliveries by signature")
    if parts.fragment:
        raise ValueError("must not carry a #fragment")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    if parts.scheme == "http" and not allow.host_listed(host):
        raise ValueError("must be an https URL")
    return host, port


async def resolve(host: str, port: int) -> list[IPAddress]:
    literal = _literal_ip(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        # Bounded: a resolver that never answers must not hold a request (or a dispatcher
        # slot) for the system resolver's full retry cycle.
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except (socket.gaierror, TimeoutError) as exc:
        raise AddressNotAllowed(f"{host} does not resolve") from exc
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(info[4][0].split("%")[0])] = None
    return list(seen)


async def allowed_addresses(host: str, port: int, allow: AllowList) -> list[IPAddress]:
    """Every address `host` resolves to, if all of them are allowed."""
    addresses = await resolve(host, port)
    if allow.host_listed(host):
        return addresses
    refused = [ip for ip in addresses if not allow.address_allowed(ip)]
    if refused or not addresses:
        raise AddressNotAllowed(f"{host} resolves to a non-public address ({refused[0]})"
                                if refused else f"{host} does not resolve")
    return addresses


async def check_destination(url: str, allow: AllowList) -> None:
    """The full check made when an endpoint is saved. Raises ValueError or AddressNotAllowed."""
    host, port = check_url(url, allow)
    await allowed_addresses(host, port, allow)


def vet_literal(host: str, allow: AllowList) -> None:
    """An IP-literal host never reaches a resolver (aiohttp connects to it directly), so it is
    checked here, before the request. Raises AddressNotAllowed."""
    ip = _literal_ip(host)
    if ip is not None and not allow.host_listed(host) and not allow.address_allowed(ip):
        raise AddressNotAllowed(f"{host} is not a public address")


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for the dispatcher: a name resolves only to addresses that passed the
    check, and the connector connects to exactly those (TLS still verifies the name)."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await allowed_addresses(host, port, self.allow)
        return [
            ResolveResult(
                hostname=host, host=str(ip), port=port,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=0, flags=socket.AI_NUMERICHOST,
            )
            for ip in addresses
        ]

    async def close(self) -> None:
        pass


def guarded_session(allow: AllowList, timeout: float, max_connections: int) -> ClientSession:
    """An aiohttp session whose every new connection resolves through the guard (no DNS cache,
    so each connection is checked anew), no proxies or netrc from the environment, no cookies.
    Callers pass allow_redirects=False and cap what they read of a response."""
    connector = TCPConnector(
        resolver=GuardedResolver(allow), use_dns_cache=False, limit=max_connections,
        limit_per_host=0,
    )
    return ClientSession(
        connector=connector, timeout=ClientTimeout(total=timeout), trust_env=False,
        cookie_jar=DummyCookieJar(), auto_decompress=False,
    )
