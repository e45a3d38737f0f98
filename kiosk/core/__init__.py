"""The core: the durable item store and the rules of an item (records, submission,
categories, tracking codes, receipt secrets, personal data, clock, files, disk guard).
No UI, no devices, no configuration loading: docs/architecture.md."""
