"""Faithful local stand-ins for AFAS Profit and Nmbrs, served on loopback only."""
