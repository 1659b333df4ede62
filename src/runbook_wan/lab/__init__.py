"""The lab: a real FRR network in Linux network namespaces, built from the intents.

Layers: :mod:`lab.shell` (commands), :mod:`lab.device` (one FRR box: netns, FRR instance,
sshd), then the topology and builder on top.
"""
