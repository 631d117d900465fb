"""Wire types: strict msgspec Structs for requests, plain ones for responses.

Request structs forbid unknown fields; mapping to and from the domain lives
next to each resource's types. Decoding is done once by Litestar per request.
"""
