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

import httpcore
import httpx

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


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address (TLS still verifies the name)."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host, port, timeout=None, local_address=None, socket_options=None  # noqa: ASYNC109
    ):
        addresses = await allowed_addresses(host, port, self.allow)
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(ip), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise AddressNotAllowed("unix sockets are not delivery targets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_client(allow: AllowList, timeout: float, max_connections: int) -> httpx.AsyncClient:
    """An httpx client whose every new connection passes the address check; no redirects, no
    proxies from the environment."""
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    # httpx has no public hook for the network backend; its pool is rebuilt with ours.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow),
    )
    return httpx.AsyncClient(
        transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False,
        trust_env=False,
    )
