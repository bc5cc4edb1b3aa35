"""For test suites: the control plane's typed client, an in-process transport, a webhook receiver.

The public import path for users' tests (`from mockgraph.testing import MockGraphAdmin`); the
pytest plugin is `mockgraph.testing.pytest_plugin` (entry point `mockgraph`), Testcontainers'
module `mockgraph.testcontainers`.
"""

from mockgraph.testing.admin import ControlPlaneError, MockGraphAdmin
from mockgraph.testing.report import Report
from mockgraph.testing.scenario import Scenario
from mockgraph.testing.transport import InProcessTransport
from mockgraph.testing.webhook_receiver import WebhookReceiver, decrypt_notification

__all__ = [
    "ControlPlaneError",
    "InProcessTransport",
    "MockGraphAdmin",
    "Report",
    "Scenario",
    "WebhookReceiver",
    "decrypt_notification",
]
