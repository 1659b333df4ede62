"""Platform-independent NAPALM driver conformance checks, run against a real device.

Structured like NAPALM's shared driver tests (``napalm/base/test/getters.py`` and ``base.py``):
one class holds a check for every ``NetworkDriver`` method this project relies on, and a platform
binds it by subclassing :class:`DriverConformance` and providing two fixtures:

* ``driver``: an opened driver connected to the platform's test device (class scope or wider);
* ``case``: a :class:`PlatformCase` that describes the device and the platform's candidates.

Every test leaves the device as it found it: an autouse fixture reloads the running config seen
at the start (NAPALM's ``initial.conf``) after each test. Results are checked against NAPALM's own
models (``napalm.base.models``) at run time.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import napalm
import pytest
from napalm.base import NetworkDriver, models
from napalm.base.exceptions import (
    CommitConfirmException,
    CommitError,
    MergeConfigException,
    NapalmException,
    ReplaceConfigException,
)

CONTROLLER = Path(__file__).with_name("napalm_controller.py")


@dataclass(frozen=True)
class PlatformCase:
    """What the checks need to know about one platform's test device."""

    driver_name: str
    hostname: str
    username: str
    password: str | None
    optional_args: dict[str, Any]
    #: the hostname the device reports (get_facts)
    device_hostname: str
    #: initial running config -> a valid replace candidate that changes it
    changed_config: Callable[[str], str]
    #: a running-config line that exists only once ``changed_config`` is committed
    changed_line: str
    #: lines that ``compare_config`` must show for ``changed_config``
    changed_diff_lines: tuple[str, ...]
    #: initial running config -> a replace candidate with one syntax error, and its line number
    typo_config: Callable[[str], tuple[str, int]]
    #: an additive merge candidate (it must not change existing lines)
    merge_config: str
    merge_line: str
    merge_diff_lines: tuple[str, ...]
    merge_typo_config: str
    merge_typo_line: int
    interface: str
    interface_description: str
    interface_address: tuple[str, int]
    bgp_peer: str
    bgp_peer_description: str
    route_destination: str
    route_prefix: str
    route_protocol: str
    longer_prefix: str
    longer_expected: str
    ping_destination: str
    ping_source: str
    ping_unreachable: str
    cli_command: str
    cli_expected: str
    cli_json_command: str
    #: a secret that appears in the running config and must be masked by ``sanitized=True``
    secret: str
    revert_in: int = 4
    #: extra sys.path entries for the controller subprocess (where the driver package lives)
    python_path: tuple[str, ...] = field(default_factory=tuple)


def conforms(model: Any, data: Any) -> bool:
    """``data`` has exactly the keys of NAPALM's TypedDict ``model``, with the right types."""
    hints = get_type_hints(model)
    if set(data) != set(hints):
        return False
    return all(isinstance(data[key], getattr(hint, "__origin__", hint)) for key, hint in hints.items())


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.25) -> float | None:
    """Seconds until ``predicate()`` held, or None if it never did within ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start <= timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    return None


def running(driver: NetworkDriver) -> str:
    return str(driver.get_config(retrieve="running")["running"])


class DriverConformance:
    """The checks. Subclass in a platform's test module and provide ``driver`` and ``case``."""

    @pytest.fixture(scope="class")
    def initial_config(self, driver: NetworkDriver) -> str:
        return running(driver)

    @pytest.fixture(autouse=True)
    def _restore_initial_config(self, driver: NetworkDriver, initial_config: str) -> Iterator[None]:
        yield
        driver.discard_config()
        if driver.has_pending_commit():
            driver.rollback()
        if running(driver) != initial_config:
            driver.load_replace_candidate(config=initial_config)
            driver.commit_config()

    def new_driver(self, case: PlatformCase, **overrides: Any) -> NetworkDriver:
        optional_args = {**case.optional_args, **overrides}
        cls = napalm.get_network_driver(case.driver_name)
        return cls(case.hostname, case.username, case.password, optional_args=optional_args)

    # -- discovery and signatures -------------------------------------------------------------
    def test_get_network_driver_returns_this_driver(self, driver: NetworkDriver, case: PlatformCase) -> None:
        assert napalm.get_network_driver(case.driver_name) is type(driver)

    def test_method_signatures_match_napalm(self, driver: NetworkDriver) -> None:
        """Overridden public methods take NAPALM's arguments with NAPALM's defaults."""
        mismatches = {}
        for name, method in inspect.getmembers(type(driver), inspect.isfunction):
            base = getattr(NetworkDriver, name, None)
            if name.startswith("_") or base is None or base is method:
                continue
            if inspect.getfullargspec(method)[:4] != inspect.getfullargspec(base)[:4]:
                mismatches[name] = (inspect.signature(base), inspect.signature(method))
        init_args = inspect.getfullargspec(type(driver).__init__).args
        assert init_args == inspect.getfullargspec(NetworkDriver.__init__).args
        assert not mismatches

    # -- connection ---------------------------------------------------------------------------
    def test_is_alive_follows_open_and_close(self, driver: NetworkDriver, case: PlatformCase) -> None:
        assert driver.is_alive() == {"is_alive": True}
        other = self.new_driver(case)
        assert other.is_alive() == {"is_alive": False}
        other.open()
        assert other.is_alive() == {"is_alive": True}
        other.close()
        assert other.is_alive() == {"is_alive": False}

    # -- getters -------------------------------------------------------------------------------
    def test_get_facts(self, driver: NetworkDriver, case: PlatformCase) -> None:
        facts = driver.get_facts()
        assert conforms(models.FactsDict, facts)
        assert facts["hostname"] == case.device_hostname
        assert case.interface in facts["interface_list"]
        assert facts["uptime"] > 0
        assert facts["os_version"]

    def test_get_interfaces(self, driver: NetworkDriver, case: PlatformCase) -> None:
        interfaces = driver.get_interfaces()
        assert interfaces
        assert all(conforms(models.InterfaceDict, data) for data in interfaces.values())
        lan = interfaces[case.interface]
        assert lan["is_up"] and lan["is_enabled"]
        assert lan["description"] == case.interface_description

    def test_get_interfaces_ip(self, driver: NetworkDriver, case: PlatformCase) -> None:
        addresses = driver.get_interfaces_ip()
        for families in addresses.values():
            for family in ("ipv4", "ipv6"):
                for entry in families.get(family, {}).values():
                    assert conforms(models.InterfacesIPDictEntry, entry)
        ip, length = case.interface_address
        assert addresses[case.interface]["ipv4"][ip] == {"prefix_length": length}

    def test_get_bgp_neighbors(self, driver: NetworkDriver, case: PlatformCase) -> None:
        neighbors = driver.get_bgp_neighbors()
        assert "global" in neighbors
        assert isinstance(neighbors["global"]["router_id"], str)
        for vrf in neighbors.values():
            for peer in vrf["peers"].values():
                assert conforms(models.PeerDict, peer)
                assert all(conforms(models.AFDict, af) for af in peer["address_family"].values())
        peer = neighbors["global"]["peers"][case.bgp_peer]
        assert peer["is_up"] and peer["is_enabled"]
        assert peer["description"] == case.bgp_peer_description
        assert peer["address_family"]["ipv4"]["received_prefixes"] > 0

    def test_get_route_to(self, driver: NetworkDriver, case: PlatformCase) -> None:
        found = driver.get_route_to(destination=case.route_destination, protocol=case.route_protocol)
        assert case.route_prefix in found
        for routes in found.values():
            assert all(conforms(models.RouteDict, route) for route in routes)
        route = found[case.route_prefix][0]
        assert route["protocol"].lower() == case.route_protocol.lower()
        assert route["current_active"]
        assert route["next_hop"] == case.bgp_peer

    def test_get_route_to_longer(self, driver: NetworkDriver, case: PlatformCase) -> None:
        found = driver.get_route_to(destination=case.longer_prefix, longer=True)
        assert case.longer_expected in found
        assert all(conforms(models.RouteDict, r) for routes in found.values() for r in routes)
        assert driver.get_route_to(destination=case.longer_prefix, protocol="bgp", longer=True) == {}

    def test_ping_from_lan_source_reaches_destination(self, driver: NetworkDriver, case: PlatformCase) -> None:
        result = driver.ping(case.ping_destination, source=case.ping_source, count=3, timeout=1)
        assert "success" in result, result
        assert conforms(models.PingDict, result["success"])
        assert all(conforms(models.PingResultDictEntry, probe) for probe in result["success"]["results"])
        assert result["success"]["probes_sent"] == 3
        assert result["success"]["packet_loss"] == 0
        assert {probe["ip_address"] for probe in result["success"]["results"]} == {case.ping_destination}

    def test_ping_to_unroutable_destination_reports_loss_or_error(
        self, driver: NetworkDriver, case: PlatformCase
    ) -> None:
        result = driver.ping(case.ping_unreachable, source=case.ping_source, count=2, timeout=1)
        assert ("error" in result) or result["success"]["packet_loss"] == result["success"]["probes_sent"] == 2

    def test_cli_text_and_json(self, driver: NetworkDriver, case: PlatformCase) -> None:
        text = driver.cli([case.cli_command])
        assert case.cli_expected in text[case.cli_command]
        parsed = driver.cli([case.cli_json_command], encoding="json")
        assert isinstance(parsed[case.cli_json_command], dict)

    def test_get_config_shapes_and_filters(self, driver: NetworkDriver) -> None:
        config = driver.get_config()
        assert conforms(models.ConfigDict, config)
        assert config["running"] and config["startup"]
        for store in ("running", "startup", "candidate"):
            only = driver.get_config(retrieve=store)
            assert all(only[other] == "" for other in ("running", "startup", "candidate") if other != store)

    def test_get_config_sanitized_masks_secrets(self, driver: NetworkDriver, case: PlatformCase) -> None:
        assert case.secret in driver.get_config(retrieve="running")["running"]
        sanitized = driver.get_config(sanitized=True)
        assert conforms(models.ConfigDict, sanitized)
        assert sanitized["running"]
        assert all(case.secret not in text for text in sanitized.values())

    def test_get_config_candidate_shows_loaded_candidate(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        assert case.changed_line in driver.get_config(retrieve="candidate")["candidate"]

    # -- candidate, compare, discard ------------------------------------------------------------
    def test_replace_compare_then_discard_changes_nothing(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        diff = driver.compare_config()
        assert set(case.changed_diff_lines) <= set(diff.splitlines()), diff
        driver.discard_config()
        assert driver.compare_config() == ""
        assert running(driver) == initial_config

    def test_replace_commit_is_idempotent(self, driver: NetworkDriver, case: PlatformCase, initial_config: str) -> None:
        candidate = case.changed_config(initial_config)
        driver.load_replace_candidate(config=candidate)
        driver.commit_config()
        assert case.changed_line in running(driver).splitlines()
        driver.load_replace_candidate(config=candidate)
        assert driver.compare_config() == ""
        driver.load_replace_candidate(config=running(driver))
        assert driver.compare_config() == ""

    def test_replace_with_typo_raises_with_line_and_applies_nothing(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        candidate, line = case.typo_config(initial_config)
        with pytest.raises(ReplaceConfigException, match=rf"line {line}\b"):
            driver.load_replace_candidate(config=candidate)
        with pytest.raises(ReplaceConfigException):
            driver.commit_config()
        assert running(driver) == initial_config
        driver.load_replace_candidate(config=initial_config)
        assert driver.compare_config() == ""

    def test_merge_compare_and_commit(self, driver: NetworkDriver, case: PlatformCase, initial_config: str) -> None:
        driver.load_merge_candidate(config=case.merge_config)
        diff = driver.compare_config()
        assert set(case.merge_diff_lines) <= set(diff.splitlines()), diff
        driver.commit_config()
        after = running(driver).splitlines()
        assert case.merge_line in after
        assert set(initial_config.splitlines()) <= set(after), "a merge must not remove anything"

    def test_merge_with_typo_raises_with_line(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        with pytest.raises(MergeConfigException, match=rf"line {case.merge_typo_line}\b"):
            driver.load_merge_candidate(config=case.merge_typo_config)
        assert running(driver) == initial_config

    def test_commit_without_candidate_raises(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        fresh = self.new_driver(case)
        fresh.open()
        try:
            with pytest.raises(NapalmException):
                fresh.commit_config()
        finally:
            fresh.close()
        with pytest.raises(NapalmException):
            driver.commit_config()
        assert running(driver) == initial_config

    def test_discarded_candidate_cannot_be_committed(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        driver.discard_config()
        with pytest.raises(NapalmException):
            driver.commit_config()
        assert running(driver) == initial_config

    # -- rollback and commit-confirm ------------------------------------------------------------
    def test_rollback_restores_previous_config(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        original_diff = driver.compare_config()
        driver.commit_config()
        assert case.changed_line in running(driver).splitlines()
        driver.rollback()
        assert case.changed_line not in running(driver).splitlines()
        driver.load_replace_candidate(config=initial_config)
        assert driver.compare_config() == ""
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        assert driver.compare_config() == original_diff

    def test_confirm_without_pending_commit_raises(self, driver: NetworkDriver) -> None:
        assert driver.has_pending_commit() is False
        with pytest.raises(CommitConfirmException):
            driver.confirm_commit()

    def test_confirmed_commit_persists_past_revert_window(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        driver.commit_config(revert_in=case.revert_in)
        committed = time.monotonic()
        assert driver.has_pending_commit() is True
        driver.confirm_commit()
        assert driver.has_pending_commit() is False
        time.sleep(max(0.0, committed + case.revert_in + 5 - time.monotonic()))
        assert case.changed_line in running(driver).splitlines()
        assert case.changed_line in driver.get_config(retrieve="startup")["startup"].splitlines()

    def test_second_commit_while_pending_raises_and_rollback_cancels(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        driver.load_replace_candidate(config=case.changed_config(initial_config))
        driver.commit_config(revert_in=60)
        driver.load_merge_candidate(config=case.merge_config)
        with pytest.raises(CommitError):
            driver.commit_config()
        driver.rollback()
        assert driver.has_pending_commit() is False
        assert running(driver) == initial_config

    def test_unconfirmed_commit_reverts_after_controller_is_killed(
        self, driver: NetworkDriver, case: PlatformCase, initial_config: str
    ) -> None:
        """A controller commits with revert_in, then dies (SIGKILL: no cleanup, SSH connection cut).

        The device must restore the previous config by itself within revert_in + 5 s.
        """
        spec = {
            "driver": case.driver_name,
            "hostname": case.hostname,
            "username": case.username,
            "password": case.password,
            "optional_args": case.optional_args,
            "candidate": case.changed_config(initial_config),
            "revert_in": case.revert_in,
        }
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*case.python_path, os.environ.get("PYTHONPATH", "")])}
        controller = subprocess.Popen(
            [sys.executable, str(CONTROLLER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert controller.stdin is not None and controller.stdout is not None
            controller.stdin.write(json.dumps(spec))
            controller.stdin.close()
            lines = iter(controller.stdout.readline, "")
            assert next(lines).strip() == "COMMITTING"
            assert next(lines).strip() == "COMMITTED", controller.stderr.read() if controller.stderr else ""
            committed = time.monotonic()
            controller.send_signal(signal.SIGKILL)
            assert controller.wait(timeout=10) == -signal.SIGKILL
        finally:
            if controller.poll() is None:
                controller.kill()
                controller.wait()
        assert driver.has_pending_commit() is True
        assert case.changed_line in running(driver).splitlines()

        def reverted() -> bool:
            return not driver.has_pending_commit() and case.changed_line not in running(driver).splitlines()

        waited = wait_for(reverted, timeout=case.revert_in + 5 - (time.monotonic() - committed))
        assert waited is not None, f"config not reverted within revert_in + 5 = {case.revert_in + 5} s"
        driver.load_replace_candidate(config=initial_config)
        assert driver.compare_config() == ""
