"""The SEPA credit transfer QR code (EPC069-12) printed on EUR letters: its payload
and a small greyscale PNG of it, encoded by segno with no image library."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections.abc import Sequence
from decimal import Decimal

import segno

from dunning.domain.patterns import normalise_bic, normalise_iban

# EPC069-12 limits (version 002): amount range, field lengths, whole payload.
_EPC_MIN = Decimal("0.01")


_EPC_MAX = Decimal("999999999.99")


_EPC_NAME_MAX = 70


_EPC_TEXT_MAX = 140


_EPC_REFERENCE_MAX = 35


_EPC_PAYLOAD_MAX_BYTES = 331


_QR_SCALE = 4  # pixels per module


_QR_BORDER = 4  # quiet zone, in modules (ISO/IEC 18004)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def group_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _one_line(text: str, limit: int) -> str:
    """Control characters would break the line-based EPC format: fold them to spaces."""
    return " ".join(_CONTROL_RE.sub(" ", text).split())[:limit]


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal,
    remittance: str = "",
    bic: str | None = None,
    reference: str | None = None,
) -> str | None:
    """EPC069-12 v002 SEPA credit transfer payload (UTF-8), or None if it cannot be valid.

    A structured `reference` (ISO 11649 RF) takes the structured remittance line and
    leaves the free text empty: the standard allows one or the other, never both.
    """
    iban_ok = normalise_iban(iban)
    beneficiary = _one_line(name, _EPC_NAME_MAX)
    structured = _one_line(reference or "", _EPC_REFERENCE_MAX).replace(" ", "")
    text = "" if structured else _one_line(remittance, _EPC_TEXT_MAX)
    if iban_ok is None or not beneficiary or not _EPC_MIN <= amount <= _EPC_MAX:
        return None
    lines = [
        "BCD",  # service tag
        "002",  # version: BIC optional inside the EEA
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        normalise_bic(bic) or "",
        beneficiary,
        iban_ok,
        f"EUR{amount.quantize(Decimal('0.01')):f}",
        "",  # purpose code
        structured,  # structured remittance information (RF creditor reference)
        text,  # unstructured remittance information, only without a structured one
    ]
    # The last field present ends the payload: no separator follows it.
    payload = "\n".join(lines).rstrip("\n")
    return payload if len(payload.encode()) <= _EPC_PAYLOAD_MAX_BYTES else None


def epc_qr_data_uri(payload: str) -> str:
    """PNG data URI; level M and explicit UTF-8 bytes as the EPC guideline requires.

    A PNG of 4x4 pixels per module: WeasyPrint embeds it as one small image, where an
    SVG of the same code is a path of hundreds of segments it must parse and draw.
    Printed at 24 mm it is ~220 dpi; the print
    stylesheet keeps its edges sharp (image-rendering: pixelated).
    """
    qr = segno.make_qr(payload.encode(), error="m", boost_error=False)
    png = _grey_png(qr.matrix, scale=_QR_SCALE, border=_QR_BORDER)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _grey_png(matrix: Sequence[Sequence[int]], *, scale: int, border: int) -> bytes:
    """8-bit greyscale PNG of a QR matrix (1 = dark module), with a light quiet zone.

    segno writes 1-bit PNGs, which WeasyPrint converts to RGB and re-encodes twice per
    letter; an 8-bit grey image is embedded as it is.
    """
    light, dark = b"\xff" * scale, b"\x00" * scale
    width = (len(matrix) + 2 * border) * scale
    quiet_row = b"\x00" + b"\xff" * width  # filter byte "none", then the pixels
    margin = light * border
    rows = [quiet_row] * (border * scale)
    for modules in matrix:
        row = b"\x00" + margin + b"".join(dark if m else light for m in modules) + margin
        rows.extend([row] * scale)
    rows.extend([quiet_row] * (border * scale))
    header = struct.pack(">IIBBBBB", width, width, 8, 0, 0, 0, 0)  # 8-bit greyscale
    # Level 6: higher levels cost much more time on these repetitive rows for few bytes.
    pixels = zlib.compress(b"".join(rows), 6)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
