"""The metronome: periodic jobs that read the ledger and act on what is due."""
