"""The dashboard channel: what each generation of Netdata's dashboard sends off-host (generations), the requests a
real browser attempted, by purpose (purposes), the telemetry push body (push) and the privacy check's encrypted
parameter (privacy). Pure: no browser, no network here.
"""

from audit.channels.dashboard.purposes import (  # noqa: F401 - the observed purposes are this package's face
    DOCUMENTED_PROPERTIES, DOCUMENTED_SOURCE, PURPOSES, Purpose, annotate, by_purpose, carries, purpose_of, summary)
