"""festival with pretalx: pull an event's talks, rooms, speakers and their
availabilities into a definition (`pull`), and push a plan's places back into the
work-in-progress schedule (`push`). `client` speaks pretalx's REST API."""
