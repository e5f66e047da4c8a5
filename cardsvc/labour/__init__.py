"""Labour rights: complaints to labour inspection and dispute mediation, with progress."""
