"""Programs at a desk with readers: the window terminal and the issuance station."""
