"""``intents/access.yaml`` (optional): sessions, the login rate limit, and single sign-on (OpenID Connect).

Example::

    sessions: {idle_minutes: 30, absolute_hours: 12}
    login: {max_failures: 5, window_seconds: 60, lockout_minutes: 15}
    oidc:
      name: Acme SSO                      # the login page's button
      issuer: https://login.acme.example  # its /.well-known/openid-configuration is read
      client_id: runbook-pane
      client_secret: {secret: oidc/runbook-pane}   # never the value (env or secrets file)
      groups_claim: groups                # the ID token claim holding the user's groups
      username_claim: preferred_username
      roles:                              # first rule whose group the user has wins
        - {group: netops-admins, role: admin}
        - {group: west-ops, role: operator, regions: [west]}
        - {group: noc, role: viewer}

A person in none of the groups is refused (Grafana's ``role_attribute_strict``). Every error
names the file, the line and the fix, all in one pass.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator

from runbook_wan.model.base import IntentModel
from runbook_wan.model.error_messages import diagnostics_from_validation
from runbook_wan.model.merge import Layer
from runbook_wan.model.secret_ref import SecretField
from runbook_wan.model.yaml_source import display_path, load_yaml
from runbook_wan.results import Diagnostic, DiagnosticError, SourceLocation
from runbook_wan.status.authz import Role
from runbook_wan.status.sessions import LoginPolicy, SessionPolicy

ACCESS_FILES = ("access.yaml", "access.yml")
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class Sessions(IntentModel):
    idle_minutes: int = Field(30, ge=1, le=24 * 60, description="A session ends after this long without a request.")
    absolute_hours: int = Field(12, ge=1, le=7 * 24, description="A session ends this long after login, whatever.")


class Login(IntentModel):
    max_failures: int = Field(5, ge=1, le=100, description="Failed logins of one name within the window that lock it.")
    window_seconds: int = Field(60, ge=1, le=86400, description="The window failed logins are counted in.")
    lockout_minutes: int = Field(15, ge=1, le=24 * 60, description="How long a locked name stays locked.")


class RoleRule(IntentModel):
    group: str = Field(min_length=1, description="A group as the identity provider names it in the groups claim.")
    role: Role = Field(description="viewer, operator or admin.")
    regions: list[str] | None = Field(None, description="Limit to these regions (default: all).")

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        if isinstance(value, str) and value in {r.value for r in Role}:
            return Role(value)
        raise ValueError(f"{value!r} is not a role: viewer, operator or admin")


class Oidc(IntentModel):
    name: str = Field("single sign-on", min_length=1, max_length=60, description="The login page's button.")
    issuer: str = Field(description="The provider's issuer URL (https; http only on loopback, for tests).")
    client_id: str = Field(min_length=1)
    client_secret: SecretField = Field(None, description="`{secret: NAME}`; none for a public client (PKCE only).")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "groups"])
    groups_claim: str = "groups"
    username_claim: str = "preferred_username"
    redirect_uri: str | None = Field(
        None, description="This pane's callback URL as the provider knows it (default: from the request)."
    )
    roles: list[RoleRule] = Field(min_length=1, description="Group to role (and regions); the first match wins.")

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS):
            return value.rstrip("/")
        raise ValueError("the issuer must be an https:// URL (http:// only on loopback, for tests)")

    def role_for(self, groups: list[str]) -> RoleRule | None:
        """The first rule whose group the user is in; None: refused."""
        return next((rule for rule in self.roles if rule.group in groups), None)


class AccessConfig(IntentModel):
    sessions: Sessions = Field(default_factory=Sessions)
    login: Login = Field(default_factory=Login)
    oidc: Oidc | None = None

    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(idle=self.sessions.idle_minutes * 60.0, absolute=self.sessions.absolute_hours * 3600.0)

    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(
            max_failures=self.login.max_failures,
            window=float(self.login.window_seconds),
            lockout=self.login.lockout_minutes * 60.0,
        )


def access_file(intents: Path) -> Path | None:
    return next((intents / n for n in ACCESS_FILES if (intents / n).exists() or (intents / n).is_symlink()), None)


def load(intents: Path, regions: set[str]) -> AccessConfig:
    """The access settings (defaults when there is no file); every problem in one DiagnosticError."""
    path = access_file(intents)
    if path is None:
        return AccessConfig()
    doc, problems = load_yaml(path, display_path(path))
    if doc is None:
        raise DiagnosticError(problems)
    if not isinstance(doc.data, dict):
        raise DiagnosticError(
            [
                Diagnostic(
                    "access-top",
                    "access.yaml must be a mapping (sessions, login, oidc)",
                    location=SourceLocation(doc.file, 1),
                    hint="see docs/status.md",
                )
            ]
        )
    layer = Layer.from_document(doc)
    try:
        config = AccessConfig.model_validate(layer.data)
    except ValidationError as exc:
        raise DiagnosticError(diagnostics_from_validation(exc, AccessConfig, layer, "access")) from None
    unknown = []
    for i, rule in enumerate(config.oidc.roles if config.oidc else []):
        for j, region in enumerate(rule.regions or []):
            if region not in regions:
                unknown.append(
                    Diagnostic(
                        "access-region",
                        f"no region {region!r} in the intents",
                        location=layer.locate(("oidc", "roles", i, "regions", j)),
                        hint="regions: " + ", ".join(sorted(regions)),
                    )
                )
    if unknown:
        raise DiagnosticError(unknown)
    return config
