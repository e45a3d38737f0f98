"""Public disclosure (三定四公开): what the public screens and ``kiosk board`` show, from
the applied station config (docs/ui.md)."""
