"""Seed a pretalx database through pretalx's own models: one event over three days,
rooms with availabilities (one without a capacity, one open two days only), two tracks,
TALKS confirmed talks (one with two runs, some without a track), speakers with and
without availabilities, the first PLACED talks already in the work-in-progress schedule,
and two API tokens of an organiser: one that may write, one that may only read.

Run by `tests/pretalx_server.py` with pretalx's own interpreter:
    python pretalx_seed.py TALKS PLACED
Prints {"event", "token", "read_token"} as JSON.
"""

import datetime as dt
import json
import os
import sys
import zoneinfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pretalx.settings")
django.setup()

from django_scopes import scope, scopes_disabled  # noqa: E402
from pretalx.event.models import Event  # noqa: E402
from pretalx.event.utils import create_organiser_with_team  # noqa: E402
from pretalx.person.models import SpeakerProfile, User, UserApiToken  # noqa: E402
from pretalx.person.models.auth_token import (  # noqa: E402
    ENDPOINTS,
    READ_PERMISSIONS,
    WRITE_PERMISSIONS,
)
from pretalx.schedule.models import Availability, Room  # noqa: E402
from pretalx.submission.models import Submission, SubmissionType, Track  # noqa: E402

ZONE = zoneinfo.ZoneInfo("Europe/Brussels")
FIRST = dt.date(2026, 2, 6)
DAYS = 3


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(FIRST + dt.timedelta(days=day), dt.time(hour, minute), ZONE)


def main(talks: int, placed: int) -> None:
    with scopes_disabled():
        orga = User.objects.create_user(
            email="orga@example.org", password="orga-password", name="Orga"
        )
        organiser, team = create_organiser_with_team(name="Seed Org", slug="seedorg", users=[orga])
        event = Event.objects.create(
            name="Seedcon", slug="seedcon", organiser=organiser, is_public=True,
            date_from=FIRST, date_to=FIRST + dt.timedelta(days=DAYS - 1),
            timezone="Europe/Brussels", email="orga@example.org", locale_array="en",
            locale="en",
        )  # fmt: skip
    with scope(event=event):
        event.build_initial_data()
        team.limit_events.add(event)
        team.can_change_submissions = True
        team.can_change_event_settings = True
        team.save()
        # the call for papers asks for availabilities: else pretalx shows no speaker's
        event.cfp.fields = {**event.cfp.fields, "availabilities": {"visibility": "optional"}}
        event.cfp.save()
        rooms = [
            Room.objects.create(event=event, name="Janson", capacity=1400, position=0),
            Room.objects.create(event=event, name="K.1.105", capacity=None, position=1),
        ]
        rooms += [
            Room.objects.create(event=event, name=f"H.{2210 + i}", capacity=80, position=2 + i)
            for i in range(max(1, talks // 30))
        ]
        for r, room in enumerate(rooms):
            for day in range(DAYS if r != 2 else DAYS - 1):  # H.2210 is open two days
                Availability.objects.create(
                    event=event, room=room, start=at(day, 9), end=at(day, 18)
                )
        tracks = [
            Track.objects.create(event=event, name="Databases", color="#1f77b4"),
            Track.objects.create(event=event, name="Security", color="#d62728"),
        ]
        kind = SubmissionType.objects.create(event=event, name="Talk", default_duration=30)
        speakers = []
        for i in range(max(4, talks * 2 // 5)):
            user = User.objects.create_user(email=f"speaker{i}@example.org", name=f"Speaker {i}")
            profile = SpeakerProfile.objects.create(user=user, event=event, biography="")
            if i % 3 == 0:  # available on the first two days only
                for day in range(2):
                    Availability.objects.create(
                        event=event, person=profile, start=at(day, 9), end=at(day, 18)
                    )
            speakers.append(user)
        clock = at(0, 9)
        for i in range(talks):
            submission = Submission.objects.create(
                event=event, title=f"Talk {i}", submission_type=kind,
                track=tracks[i % 2] if i % 7 else None, abstract=f"What talk {i} is about.",
                content_locale="en", duration=30 + 15 * (i % 3),
                slot_count=2 if i == 5 else 1, do_not_record=i % 11 == 3,
            )  # fmt: skip
            submission.speakers.add(speakers[i % len(speakers)])
            submission.accept(force=True)
            submission.confirm(force=True)
            if i < placed:  # back to back in Janson on the first morning
                slot = submission.slots.filter(schedule=event.wip_schedule).first()
                slot.room = rooms[0]
                slot.start = clock
                slot.end = clock + dt.timedelta(minutes=submission.duration)
                slot.save()
                clock = slot.end
        tokens = {}
        for name, permissions in (("token", WRITE_PERMISSIONS), ("read_token", READ_PERMISSIONS)):
            token = UserApiToken.objects.create(
                name=name, user=orga, endpoints={e: list(permissions) for e in ENDPOINTS}
            )
            token.events.add(event)
            tokens[name] = token.token
    print(json.dumps({"event": event.slug, **tokens}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
