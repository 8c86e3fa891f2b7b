"""The gradebook's storage side: rows to domain objects, every write through the lock check."""
