"""Batch checks for payroll bureaus: many employers from one TOML file."""
