"""Licence check for scripts/audit: reads `cargo metadata` JSON on stdin and fails when a
crate in Cargo.lock cannot be used under a licence on ALLOWED."""
import json
import re
import sys

# Permissive licences, and the file-level copyleft MPL-2.0 (fine for a service).
ALLOWED = {
    "MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-2-Clause", "BSD-3-Clause",
    "ISC", "Zlib", "0BSD", "BSL-1.0", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense",
    "CC0-1.0", "CDLA-Permissive-2.0", "MPL-2.0",
}


def split_top(expr, op):
    """`expr` split on `op` outside parentheses."""
    parts, buf, depth = [], [], 0
    for token in re.split(r"(\(|\)|\s+)", expr):
        depth += token == "("
        depth -= token == ")"
        if depth == 0 and token == op:
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(token)
    parts.append("".join(buf).strip())
    return parts


def encloses(expr):
    """True when `expr` is one parenthesised group, "(A OR B)" but not "(A) AND (B)"."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(expr):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(expr) - 1:
            return False
    return True


def allowed(expr):
    """True when an SPDX expression (with the old "/" for OR) can be met from ALLOWED."""
    expr = expr.replace("/", " OR ").strip()
    while encloses(expr):
        expr = expr[1:-1].strip()
    alternatives = split_top(expr, "OR")
    if len(alternatives) > 1:
        return any(allowed(a) for a in alternatives)
    required = split_top(expr, "AND")
    if len(required) > 1:
        return all(allowed(r) for r in required)
    return re.sub(r"\s+", " ", expr) in ALLOWED


def main():
    meta = json.load(sys.stdin)
    bad = []
    for package in meta["packages"]:
        licence = package.get("license")
        if not licence or not allowed(licence):
            bad.append(f"{package['name']} {package['version']}: {licence or 'no SPDX licence'}")
    if bad:
        print("crates under a licence not on the list in scripts/licenses.py:", file=sys.stderr)
        print("\n".join(bad), file=sys.stderr)
        sys.exit(1)
    print(f"licences: {len(meta['packages'])} crates, each under an allowed licence")


if __name__ == "__main__":
    assert allowed("(MIT OR Apache-2.0) AND Unicode-3.0")
    assert allowed("Apache-2.0 AND ISC")
    assert allowed("MIT OR Apache-2.0 OR LGPL-2.1-or-later")
    assert not allowed("GPL-3.0-only")
    assert not allowed("MIT AND GPL-3.0-only")
    assert not allowed("(MIT OR Apache-2.0) AND GPL-2.0")
    assert not allowed("(GPL-2.0) AND (MIT)")
    main()
