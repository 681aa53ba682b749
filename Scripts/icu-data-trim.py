#!/usr/bin/env python3
"""Writes a smaller copy of the ICU data that Swift's static Foundation links (icudtNNl.dat,
the `icudtNN_dat` symbol of lib_FoundationICU.a), for Scripts/release.sh.

    python3 Scripts/icu-data-trim.py IN.dat OUT.dat

GRDB uses Foundation's date formatters, NSString and regular expressions, which bring in
CoreFoundation and ICU; ICU's data is half of cfdev-telemetry's size. The tool needs little of
it: the root and English locale data, Unicode properties, normalization, time zones. Kept: every
item that is not locale data, and root, English and each tree's shared pool. Dropped: the other
locales (their bundles fall back to root), legacy character set converters (*.cnv: UTF-8,
UTF-16 and Latin-1 are built in), transliterators, and the word-break dictionaries of Thai,
Lao, Khmer, Burmese and CJK text. The output is an ICU common data package of the same name,
version and format (a table of contents sorted by name, items 16-byte aligned), so ICU opens
it as it opens the original. Same input, same bytes."""
import re
import struct
import sys

LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")
KEEP_LOCALES = re.compile(r"^(root|en|en_.*)$")


def keep(name: str) -> bool:
    parts = name.split("/")[1:]  # drop the package name, icudtNNl
    leaf = parts[-1]
    stem, _, ext = leaf.rpartition(".")
    if ext == "cnv" or parts[0] == "translit":
        return False
    if parts[0] == "brkitr" and ext == "dict":
        return False
    if ext == "res" and LOCALE.match(stem) and stem not in ("pool",):
        return bool(KEEP_LOCALES.match(stem))
    return True


def main(source: str, target: str) -> None:
    data = open(source, "rb").read()
    header_size, magic1, magic2 = struct.unpack_from("<HBB", data, 0)
    if (magic1, magic2) != (0xDA, 0x27) or data[12:16] != b"CmnD":
        sys.exit(f"icu-data-trim: {source} is not an ICU common data package")
    toc = header_size
    count = struct.unpack_from("<I", data, toc)[0]
    entries = [struct.unpack_from("<II", data, toc + 4 + 8 * i) for i in range(count)]
    names = [data[toc + n:data.index(b"\0", toc + n)] for n, _ in entries]
    ends = [entries[i + 1][1] for i in range(count - 1)] + [len(data) - toc]
    items = [(names[i], data[toc + entries[i][1]:toc + ends[i]]) for i in range(count) if keep(names[i].decode())]
    if not any(name.endswith(b"/root.res") for name, _ in items):
        sys.exit("icu-data-trim: no root.res kept; refusing to write a package ICU cannot use")

    table_size = 4 + 8 * len(items)
    name_block = b"".join(name + b"\0" for name, _ in items)
    name_offsets, offset = [], table_size
    for name, _ in items:
        name_offsets.append(offset)
        offset += len(name) + 1
    data_offsets, body, position = [], b"", table_size + len(name_block)
    pad = (-(toc + position)) % 16
    body += b"\xaa" * pad  # ICU's own padding byte
    position += pad
    for _, item in items:
        data_offsets.append(position)
        chunk = item + b"\xaa" * ((-(toc + position + len(item))) % 16)
        body += chunk
        position += len(chunk)
    table = struct.pack("<I", len(items)) + b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets))
    with open(target, "wb") as out:
        out.write(data[:toc] + table + name_block + body)
    print(f"ICU data: {count} items, {len(data)} bytes -> {len(items)} items, {toc + position} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
