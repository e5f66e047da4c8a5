"""Service platforms: province → city → county → street centre → community station."""
