"""Single sign-on: OpenID Connect with authlib's Starlette client (authorization code flow + PKCE).

authlib keeps the flow's state, nonce and PKCE verifier in ``request.session``; here that is the
*server-side* data of a pending session (:mod:`.sessions`), never a cookie. authlib checks the
state and the ID token (issuer, audience, expiry, nonce, signature against the provider's keys).
The role and the regions then come from the ID token's groups claim through ``oidc.roles`` in
``intents/access.yaml``: the first rule whose group the person is in. Nobody else gets in
(Grafana's ``role_attribute_strict``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runbook_wan.credentials.redact import Redactor
from runbook_wan.credentials.resolver import SecretResolver
from runbook_wan.status.access_config import Oidc
from runbook_wan.status.authz import NAME_PATTERN, Actor, scope_of

with warnings.catch_warnings():
    # authlib 1.9 would rather use the httpx2 fork; httpx is what Runbook already uses, and still works.
    import authlib.deprecate  # noqa: F401 - it installs an "always" filter, which the next line overrides

    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.starlette_client import OAuth, OAuthError

CLIENT = "idp"


@dataclass(frozen=True)
class Mapped:
    """Who the ID token says the person is, and what the mapping gives them (actor None: refused)."""

    name: str
    groups: list[str]
    actor: Actor | None
    reason: str = ""


class OidcLogin:
    def __init__(self, config: Oidc, redactor: Redactor) -> None:
        self.config = config
        secret = SecretResolver(redactor).resolve(config.client_secret.secret) if config.client_secret else None
        self.oauth = OAuth()
        self.oauth.register(
            CLIENT,
            client_id=config.client_id,
            client_secret=secret,
            server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": " ".join(config.scopes), "code_challenge_method": "S256"},
        )

    @property
    def client(self) -> Any:
        return self.oauth.create_client(CLIENT)

    async def start(self, request: Request, redirect_uri: str) -> Response:
        """The redirect to the provider; state, nonce and PKCE verifier go into ``request.session``."""
        response: Response = await self.client.authorize_redirect(request, redirect_uri)
        return response

    async def finish(self, request: Request) -> dict[str, Any]:
        """The ID token's claims, checked by authlib (raises :class:`OAuthError` on any problem)."""
        token = await self.client.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(description="the provider returned no ID token")
        return dict(claims)

    def map(self, claims: dict[str, Any]) -> Mapped:
        name = str(claims.get(self.config.username_claim) or claims.get("sub") or "").lower()
        raw = claims.get(self.config.groups_claim) or []
        groups = [str(g) for g in raw] if isinstance(raw, list) else [str(raw)]
        if not NAME_PATTERN.fullmatch(name):
            return Mapped(name[:64], groups, None, f"the {self.config.username_claim} claim is not a usable name")
        rule = self.config.role_for(groups)
        if rule is None:
            return Mapped(name, groups, None, "none of its groups is mapped to a role in access.yaml")
        return Mapped(name, groups, Actor(name, rule.role, scope_of(rule.regions), "pane"))


__all__ = ["Mapped", "OAuthError", "OidcLogin"]
