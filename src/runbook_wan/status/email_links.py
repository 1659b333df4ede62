"""E-mail links on the pane: once the pane has logins, an e-mail's acknowledge/resolve link acts only for a login.

The notifier makes the links (signed, expiring, single use: :mod:`runbook_wan.ops.email_links`) and
serves them on its public URL. While the pane has no accounts and no single sign-on, the notifier
acts on a link itself, for the contact it was sent to. Once it has, the notifier sends the person
here (``notify.pane_url`` + ``/incidents/email/<token>``): the access gate asks them to log in and
comes back; the page says what the link does; its button (a form with the session's CSRF token)
acts as the logged-in user, with their role and regions checked first and recorded
``carol (email)`` in the incident and the audit log. A link is spent only by an action that was
allowed: a viewer's click leaves it for somebody who may act.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from runbook_wan.ops.email_links import Link, LinkError, LinkSigner
from runbook_wan.ops.inbound import InboundStore
from runbook_wan.ops.stack import incidents_path
from runbook_wan.status import render
from runbook_wan.status.access import ANONYMOUS
from runbook_wan.status.actions import ActionRefusedError, Actions
from runbook_wan.status.authz import Action
from runbook_wan.status.forms import FormError, checked_form
from runbook_wan.status.web import actor_of, client_of, html_error, page_user, session_of

#: Where the notifier sends a person with an e-mail link once the pane has logins.
PANE_EMAIL_PATH = "/incidents/email/"
#: The channel an e-mail link's action is recorded with.
VIA = "email"


class EmailLinkRoutes:
    def __init__(self, actions: Actions, signer: LinkSigner | None) -> None:
        self.actions, self.signer = actions, signer

    def _link(self, request: Request) -> Link | Response:
        if self.signer is None:
            return html_error(request, 404, "not set up", "E-mail links are not set up on this pane (secret "
                              "notify-link-key): acknowledge on the site's page.")  # fmt: skip
        try:
            return self.signer.read(request.path_params["token"])
        except LinkError as exc:
            return html_error(request, 403, "Link not valid", f"{str(exc).capitalize()}.")

    @staticmethod
    def _verb(link: Link) -> tuple[Action, str]:
        return (Action.ACKNOWLEDGE, "Acknowledge") if link.action == "ack" else (Action.RESOLVE, "Resolve")

    async def show(self, request: Request) -> Response:
        link = self._link(request)
        if isinstance(link, Response):
            return link
        user = page_user(request)
        if user is None or actor_of(request) is ANONYMOUS or not user.session:
            return html_error(request, 403, "Log in first", "This pane has no logins: use the link in the e-mail.")
        _action, verb = self._verb(link)
        text = f"{verb} incident {link.incident_id} as {user.name}? (The link was sent to {link.contact}.)"
        page = render.email_link_page(f"{verb} {link.incident_id}", text, user=user, action=link.action,
                                      button=f"{verb} as {user.name}")  # fmt: skip
        return HTMLResponse(page)

    async def act(self, request: Request) -> Response:
        link = self._link(request)
        if isinstance(link, Response):
            return link
        action, _verb = self._verb(link)
        actor = replace(actor_of(request), via=VIA)
        client = client_of(request)
        try:
            await checked_form(request, session_of(request))
        except FormError as exc:
            self.actions.record(action, actor, client, link.incident_id, "refused", reason=exc.message)
            return html_error(request, exc.status, "refused", exc.message)

        def spend() -> bool:
            return InboundStore(incidents_path(self.actions.state_dir)).use_link(link.nonce, actor.name)

        try:
            outcome = await run_in_threadpool(
                self.actions.act_on_link, actor, link.incident_id, action, client, spend, link.contact
            )
        except ActionRefusedError as exc:
            return html_error(request, exc.status, "refused" if exc.status != 404 else "not found", exc.message)
        return HTMLResponse(render.message_page("Done", outcome.message, user=page_user(request), error=False))
