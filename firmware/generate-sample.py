#!/usr/bin/env python3
"""Regenerates the sample catalog in this folder: tiny deterministic stand-in images (not
real firmware) and the manifest of each release. Running it again gives identical files.

Each release is one vendor's, its images under the vendor's native file names. The Aastra
releases carry no `vendor` key (a manifest without one is Aastra's, as every catalog was
before vendors existed), and their bytes never change: tests pin their SHA-256s."""
import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
# (version, vendor or None for Aastra, released, notes, [(file, size, [models])])
RELEASES = [
    ("3.3.1.4322", None, "2015-03-02", "Sample release: SIP stability fixes.",
     [("6731i.st", 300, ["6731i"]), ("6757i.st", 420, ["6757i"])]),
    ("4.2.0.181", None, "2019-06-12", "Sample release: TLS 1.2 and new provisioning options.",
     [("6731i.st", 360, ["6731i"]), ("6757i.st", 480, ["6757i"]), ("6867i.st", 512, ["6867i"])]),
    # One image serves the whole T4xS family: two models share the file.
    ("66.86.0.15", "yealink", "2021-08-20", "Sample release: Yealink T4xS family image.",
     [("T46S(T48S,T42S,T41S)-66.86.0.15.rom", 448, ["T46S", "T48S"])]),
    ("10.1.215.13", "snom", "2022-03-15", "Sample release: Snom D7xx.",
     [("snomD785-10.1.215.13-SIP-r.bin", 400, ["D785"])]),
    # Poly names images by part number; this one is illustrative.
    ("6.4.6.2100", "polycom", "2023-02-09", "Sample release: Poly VVX UC Software.",
     [("3111-46157-001.sip.ld", 384, ["VVX400"])]),
    ("1.0.11.85", "grandstream", "2022-11-30", "Sample release: Grandstream GXP21xx.",
     [("gxp2170fw.bin", 352, ["GXP2170"])]),
]


def image(version, label, size):
    header = f"RCS SAMPLE FIRMWARE {version} {label} - not a real image\n".encode()
    body, block = b"", f"{version}/{label}".encode()
    while len(header) + len(body) < size:
        block = hashlib.sha256(block).digest()
        body += block
    return (header + body)[:size]


for version, vendor, released, notes, files in RELEASES:
    folder = HERE / version
    folder.mkdir(exist_ok=True)
    lines = [f'vendor = "{vendor}"'] if vendor else []
    lines += [f'version = "{version}"', f'released = "{released}"', f'notes = "{notes}"', ""]
    for file, size, models in files:
        # The label is the file name without its extension (for Aastra, the model, as ever).
        data = image(version, file.rsplit(".", 1)[0], size)
        (folder / file).write_bytes(data)
        for model in models:
            lines += ["[[images]]", f'model = "{model}"', f'file = "{file}"', f"size = {len(data)}",
                      f'sha256 = "{hashlib.sha256(data).hexdigest()}"', ""]
    (folder / "manifest.toml").write_text("\n".join(lines))
