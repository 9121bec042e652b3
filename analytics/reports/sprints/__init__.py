"""The Sprints report: per sprint, what was committed, added, removed, completed, not
delivered and carried over (``numbers`` defines them, ``placement`` computes them in
SQL), its filters (boards on top of the report filters), and each sprint's page."""
