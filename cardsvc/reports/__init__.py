"""Reports for supervisors and auditors: compliance, service performance, data quality."""
