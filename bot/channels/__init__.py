"""Channel adapters: the adapter protocol and one module per protocol."""
