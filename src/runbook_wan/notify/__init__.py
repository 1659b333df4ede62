"""The notifier: Alertmanager's webhook in, people told on every channel, incidents in SQLite.

* :mod:`.alerts`: the webhook payload (version 4) and Alertmanager's ``/api/v2/alerts`` answer;
* :mod:`.notice`: what a message says on each channel, and masked recipients;
* :mod:`.channels`: one sender per channel type through the providers' official clients
  (Twilio, Vonage, apprise for chat, SMTP, pysnc for ServiceNow), built with resolved secrets;
* :mod:`.engine`: incidents, dedupe, "resolved" only for what was announced, failover, escalation;
* :mod:`.resync`: after a restart, reconcile open incidents with what Alertmanager holds;
* :mod:`.service`: the webhook receiver (Starlette + uvicorn) and the escalation clock.

Routing (which route an alert takes, business hours) is the intent model's
(:mod:`runbook_wan.model.notifications`), shared with the generated Alertmanager config.
"""
