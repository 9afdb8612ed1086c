"""Read a published schedule.json as conference-app tooling does, and print what each
reader shows: run by `test_apps.py` inside the readers' own virtual environment
(`.cache/app-readers`: their pinned dependencies clash with ours, e.g. icalendar < 6).

- c3voc-schedule-tools: c3voc's recording and publishing pipeline reads a schedule
  with `voc.schedule.Schedule`; its events' persons, and its own JSON → schedule.xml
  conversion (which writes a <person id> only where the JSON person has an id);
- pyfahrplan: the Fahrplan command line lists each talk with its speakers from
  `persons[].public_name` (its `Fahrplan` fetches fixed URLs, so the parsed file is
  handed to its own `flatten_fahrplans` instead).

Prints one JSON object: {"c3voc": {guid: [names]}, "c3voc_xml_person_ids": [...],
"pyfahrplan": {guid: "Speaker, Speaker"}}.
"""

from __future__ import annotations

import json
import sys
from xml.etree import ElementTree


def main(path: str) -> None:
    from pyfahrplan.lib import Fahrplan
    from voc.schedule import Schedule

    schedule = Schedule.from_file(path)
    c3voc: dict[str, list[str]] = {}
    schedule.foreach_event(lambda event: c3voc.__setitem__(event["guid"], event.persons()))
    converted = ElementTree.fromstring(schedule.xml().encode("utf-8"))
    person_ids = [p.get("id") for p in converted.iter("person")]

    fahrplan = Fahrplan.__new__(Fahrplan)
    with open(path, encoding="utf-8") as handle:
        fahrplan.fahrplans = [json.load(handle)["schedule"]]
    fahrplan.flatten_fahrplans()
    speakers = {talk["talk_guid"]: talk["speakers"] for talk in fahrplan.flat_plans}
    json.dump(
        {"c3voc": c3voc, "c3voc_xml_person_ids": person_ids, "pyfahrplan": speakers},
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main(sys.argv[1])
