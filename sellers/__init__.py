"""Seller accounts, their MWS authorization, partners and grants."""
