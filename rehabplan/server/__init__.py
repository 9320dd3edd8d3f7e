"""The web app: calendar feeds, runner check-ins and the clinician pages (``create_app``)."""
