"""One module per phase: each decides the days of one week that fall in its phase."""
