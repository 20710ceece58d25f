"""A script's day with rcs, through the Python client generated from openapi.yaml only.

Run by tests/api/python_client.rs with the generated package on PYTHONPATH and
RCS_URL, RCS_API_KEY (a key of role `user`) and RCS_CA_FILE (the server's certificate) set.
It imports phones (a multipart form, then a raw text/csv dry run), lists and exports them,
and prints a JSON summary the Rust test checks. Any surprise exits non-zero.
"""

import io
import json
import os
import ssl
import sys

from rcs_client import AuthenticatedClient
from rcs_client.api.phones import export_phones, import_phones, list_phones
from rcs_client.models import CsvUpload, ImportResult, PhonePage
from rcs_client.types import File

MACS = ["00085D0C0C01", "00085D0C0C02", "00085D0C0C03"]


def canonical(mac: str) -> str:
    return mac.replace(":", "").replace("-", "").upper()


def fail(what: str, answer: object) -> None:
    print(f"{what}: {answer!r}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    tls = ssl.create_default_context(cafile=os.environ["RCS_CA_FILE"])
    client = AuthenticatedClient(
        base_url=os.environ["RCS_URL"],
        token=os.environ["RCS_API_KEY"],
        verify_ssl=tls,
        raise_on_unexpected_status=True,
    )
    csv = ("mac\n" + "\n".join(MACS) + "\n").encode()
    with client as c:
        form = CsvUpload(file=File(payload=io.BytesIO(csv), file_name="phones.csv", mime_type="text/csv"))
        imported = import_phones.sync(client=c, body=form)
        if not isinstance(imported, ImportResult):
            fail("multipart import", imported)
        raw = "mac\n00085D0C0C04\n".encode()
        dry = import_phones.sync(client=c, body=File(payload=io.BytesIO(raw)), dry_run=True)
        if not isinstance(dry, ImportResult):
            fail("text/csv dry run", dry)
        page = list_phones.sync(client=c)
        if not isinstance(page, PhonePage):
            fail("list", page)
        exported = export_phones.sync(client=c)
        if not isinstance(exported, (bytes, str)):
            fail("export", exported)
    text = exported.decode() if isinstance(exported, bytes) else exported
    rows = [line.split(",")[0] for line in text.splitlines()[1:] if line]
    print(
        json.dumps(
            {
                "imported": imported.added,
                "dry_run": {"added": dry.added, "dry_run": dry.dry_run},
                "listed": sorted(canonical(p.mac) for p in page.items),
                "exported": sorted(canonical(m) for m in rows),
                "export_header": text.splitlines()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
