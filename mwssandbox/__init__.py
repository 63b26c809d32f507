"""The MWS sandbox: a faithful local Amazon MWS server (see README, "The MWS sandbox")."""
