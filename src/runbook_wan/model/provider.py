"""A circuit provider (ISP or wireless carrier) and how we peer with it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from runbook_wan.model.base import IntentModel
from runbook_wan.model.secret_ref import SecretField
from runbook_wan.model.types import Asn, Email, IPv4Addr, IPv4Prefix, Phone, ProviderName, ShortText


class ProviderContact(IntentModel):
    noc_phone: Phone | None = Field(default=None, description="Provider NOC phone, for escalations.")
    noc_email: Email | None = Field(default=None, description="Provider NOC e-mail.")


class Provider(IntentModel):
    """One file in ``intents/providers/``."""

    provider: ProviderName = Field(description="Provider id used by circuits.")
    name: ShortText = Field(description="Display name.")
    kind: Literal["fiber", "broadband", "wireless"] = Field(description="Access technology family.")
    asn: Asn = Field(description="The provider edge's BGP AS number.")
    address_block: IPv4Prefix = Field(description="Block the provider assigns circuit subnets from.")
    tracking_address: IPv4Addr = Field(
        description="Address the provider announces as a /32 over BGP. SD-WAN steering resolves "
        "through it, so a class leaves a circuit as soon as its BGP session (or BFD) drops."
    )
    bgp_password: SecretField = Field(default=None, description="BGP session password, by secret name.")
    contact: ProviderContact = Field(default_factory=ProviderContact)
