"""Nmbrs SOAP v3: the call catalogue, the client, the probe and the manual's steps."""
