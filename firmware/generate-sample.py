#!/usr/bin/env python3
"""Regenerates the sample catalog in this folder: tiny deterministic stand-in images (not
real firmware) and the manifest of each release. Running it again gives identical files."""
import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
RELEASES = [
    ("3.3.1.4322", "2015-03-02", "Sample release: SIP stability fixes.", [("6731i", 300), ("6757i", 420)]),
    ("4.2.0.181", "2019-06-12", "Sample release: TLS 1.2 and new provisioning options.",
     [("6731i", 360), ("6757i", 480), ("6867i", 512)]),
]


def image(version, model, size):
    header = f"RCS SAMPLE FIRMWARE {version} {model} - not a real image\n".encode()
    body, block = b"", f"{version}/{model}".encode()
    while len(header) + len(body) < size:
        block = hashlib.sha256(block).digest()
        body += block
    return (header + body)[:size]


for version, released, notes, models in RELEASES:
    folder = HERE / version
    folder.mkdir(exist_ok=True)
    lines = [f'version = "{version}"', f'released = "{released}"', f'notes = "{notes}"', ""]
    for model, size in models:
        data = image(version, model, size)
        (folder / f"{model}.st").write_bytes(data)
        lines += ["[[images]]", f'model = "{model}"', f'file = "{model}.st"', f"size = {len(data)}",
                  f'sha256 = "{hashlib.sha256(data).hexdigest()}"', ""]
    (folder / "manifest.toml").write_text("\n".join(lines))
