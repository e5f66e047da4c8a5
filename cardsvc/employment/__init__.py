"""Employment records: registrations, hardship status, loans, skills, entrepreneurship."""
