"""HTTP controllers, one per resource; thin: decode, call a service, encode."""
