"""Channel senders: one per channel ``type`` of the notifications intent, each through the provider's
official client (``twilio``, ``vonage``, ``apprise``, ``smtplib``, ``pysnc``), unchanged.

:func:`runbook_wan.notify.channels.build.build_senders` resolves every channel's secrets (by name,
registered with the run's redactor) and returns one :class:`~.base.Sender` per channel.
"""
