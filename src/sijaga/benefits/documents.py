"""Evidence files of a case: what the bytes are (magic numbers, never the name or the browser's word), a neutral
file name, and storage 0600 in a 0700 folder under the data directory."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {ct: ext for _m, ct, ext in MAGIC} | {"image/webp": ".webp"}


def sniff(data: bytes) -> str:
    """The content type the bytes prove, or a ValidationError (empty, too large, not a PDF/PNG/JPEG/WebP)."""
    if not data:
        raise ValidationError({"file": [_("Berkas kosong.")]})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": [_("Berkas lebih dari 20 MB.")]})
    for magic, content_type, _ext in MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ValidationError({"file": [_("Hanya PDF atau gambar (PNG, JPEG, WebP) yang diterima.")]})


def safe_name(name: str, content_type: str) -> str:
    """ASCII letters, digits, dot, dash and underscore; no path, no leading dot; the extension the bytes prove."""
    base = os.path.basename(str(name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", base.rsplit(".", 1)[0] if "." in base else base).strip("_.")[:80]
    return f"{stem or 'dokumen'}{EXTENSIONS[content_type]}"


def folder() -> Path:
    path = Path(settings.VAR_DIR) / "benefits"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def store(case_id: int, digest: str, data: bytes) -> Path:
    target = folder() / f"{case_id}-{digest[:32]}"
    if target.exists():
        return target
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return target
