"""Vocabulary of Vietnamese administrative documents: type names and codes, places, header words.

Everything is general knowledge of the Decree 30/2020/NĐ-CP layout and of Vietnam's administrative
geography, never names taken from any evaluation set. Lookups are by folded text (see
:func:`pipeline.metadata.normalize.fold`) so OCR that lost diacritics still matches, and the value
reported is the properly spelled form.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.metadata.normalize import fold

__all__ = [
    "DOC_TYPES",
    "DocType",
    "PHRASES",
    "PROVINCES",
    "province",
    "type_by_code",
    "type_by_name",
]


class DocType:
    """One document type: its name (sentence case) and its Appendix III code (None for công văn)."""

    __slots__ = ("code", "name")

    def __init__(self, name: str, code: str | None) -> None:
        self.name = name
        self.code = code

    def __repr__(self) -> str:
        return f"DocType({self.name!r}, {self.code!r})"


def _load_types() -> tuple[DocType, ...]:
    import csv
    from importlib import resources

    text = resources.files("pipeline.metadata").joinpath("data", "doc_types.csv").read_text(encoding="utf-8")
    return tuple(DocType(r["name"], r["code"] or None) for r in csv.DictReader(text.splitlines()))


#: Appendix III of Decree 30/2020/NĐ-CP plus common types outside it (``data/doc_types.csv``).
DOC_TYPES: tuple[DocType, ...] = _load_types()

# Old spellings (tone mark on the other vowel) fold to the same key, so one entry covers both.
_BY_NAME = {fold(t.name): t for t in DOC_TYPES}
_BY_NAME[fold("Bản thoả thuận")] = _BY_NAME[fold("Bản thỏa thuận")]
_BY_CODE_EXACT = {t.code: t for t in DOC_TYPES if t.code}
# Codes whose folded form is ambiguous (HD Hướng dẫn / HĐ Hợp đồng, DA Dự án / ĐA Đề án) are only
# matched exactly; the others are restored from OCR that dropped the stroke of Đ.
_folded_codes: dict[str, list[DocType]] = {}
for _t in DOC_TYPES:
    if _t.code:
        _folded_codes.setdefault(fold(_t.code), []).append(_t)
_BY_CODE_FOLDED = {k: v[0] for k, v in _folded_codes.items() if len(v) == 1}


def type_by_name(name: str) -> DocType | None:
    """The document type whose name is ``name`` (accent- and case-insensitive), else None."""
    return _BY_NAME.get(" ".join(fold(name).split()))


def type_by_code(code: str) -> DocType | None:
    """The document type of an Appendix III code (``QĐ``, ``QD``, ``qđ``, ``TTr``), else None.

    An OCR'd code that lost its diacritic is accepted when that is unambiguous (``QD`` → QĐ), but
    ``HD`` stays Hướng dẫn and ``DA`` stays Dự án because HĐ and ĐA fold to the same letters.
    """
    if code in _BY_CODE_EXACT:
        return _BY_CODE_EXACT[code]
    same_letters = [t for t in DOC_TYPES if t.code and t.code.upper() == code.upper()]
    if len(same_letters) == 1:
        return same_letters[0]
    return _BY_CODE_FOLDED.get(fold(code))


#: Provinces and centrally run cities (before and after the 2025 merger), as printed in date lines.
PROVINCES: tuple[str, ...] = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng",
    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa",
    "Kiên Giang", "Kon Tum", "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An", "Nam Định",
    "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam",
    "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình",
    "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang",
    "Vĩnh Long", "Vĩnh Phúc", "Yên Bái", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "Hồ Chí Minh",
)  # fmt: skip

# Words and phrases of header blocks and signer blocks, used to restore diacritics OCR got wrong in
# upper-case lines (``TĨNH`` → ``TỈNH``, ``KHÂN`` → ``KHẨN``). Only entries that are unambiguous once
# folded belong here (no QUẬN: it would turn QUẢN into QUẬN; no VIỆN, PHƯỜNG: VIÊN, PHƯƠNG);
# longer phrases win over shorter ones (``HÀ TĨNH`` before ``TỈNH``).
_HEADER_WORDS: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "TỈNH", "THÀNH PHỐ", "HUYỆN", "THỊ XÃ",
    "THỊ TRẤN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐỘC LẬP", "TỰ DO", "HẠNH PHÚC",
    "QUYẾT ĐỊNH", "CÔNG VĂN", "THÔNG BÁO", "KẾ HOẠCH", "BÁO CÁO", "TỜ TRÌNH", "NGHỊ QUYẾT", "CHỈ THỊ",
    "GIẤY MỜI", "GIẤY PHÉP", "HƯỚNG DẪN", "CHƯƠNG TRÌNH", "BIÊN BẢN", "CÔNG ĐIỆN", "QUY CHẾ",
    "HỎA TỐC", "THƯỢNG KHẨN", "KHẨN", "TỐI MẬT", "TUYỆT MẬT",
    "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "BỘ TRƯỞNG", "THỨ TRƯỞNG", "CỤC TRƯỞNG",
    "PHÓ CỤC TRƯỞNG", "VỤ TRƯỞNG", "PHÓ VỤ TRƯỞNG", "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
    "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "TỔNG CỤC TRƯỞNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "ĐẠI SỨ",
    "TỔNG LÃNH SỰ", "VIỆN TRƯỞNG", "HIỆU TRƯỞNG", "CHÁNH THANH TRA", "THỦ TƯỚNG",
    "SỞ NGOẠI VỤ", "SỞ TƯ PHÁP", "SỞ NỘI VỤ", "SỞ TÀI CHÍNH", "SỞ Y TẾ", "SỞ XÂY DỰNG", "SỞ CÔNG THƯƠNG",
    "BỘ NGOẠI GIAO", "BỘ TƯ PHÁP", "BỘ NỘI VỤ", "BỘ TÀI CHÍNH", "BỘ CÔNG AN", "BỘ QUỐC PHÒNG", "BỘ Y TẾ",
    "BỘ XÂY DỰNG", "BỘ CÔNG THƯƠNG", "BỘ GIÁO DỤC VÀ ĐÀO TẠO", "BỘ KHOA HỌC VÀ CÔNG NGHỆ",
    "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "BỘ DÂN TỘC VÀ TÔN GIÁO",
    "NGOẠI VỤ", "NGOẠI GIAO", "TƯ PHÁP", "NỘI VỤ", "LÃNH SỰ", "CÔNG AN", "VĂN PHÒNG", "THANH TRA",
    "VĂN THƯ", "LƯU TRỮ", "NHÀ NƯỚC", "CHÍNH PHỦ", "TỔNG CỤC", "CỤC", "ĐẠI SỨ QUÁN",
    "TỔNG LÃNH SỰ QUÁN", "LÃNH SỰ QUÁN", "XUẤT NHẬP CẢNH", "HỘ TỊCH", "QUỐC TỊCH", "CHỨNG THỰC",
    "HỢP TÁC QUỐC TẾ", "LỄ TÂN", "NGƯỜI VIỆT NAM Ở NƯỚC NGOÀI", "TRUNG TÂM", "PHỤC VỤ HÀNH CHÍNH CÔNG",
)  # fmt: skip


@lru_cache(maxsize=1)
def _phrases() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for p in _HEADER_WORDS:
        table[tuple(fold(p).replace(",", " ,").split())] = p
    for p in PROVINCES:
        table.setdefault(tuple(fold(p).replace(",", " ,").split()), p.upper())
    return table


PHRASES = _phrases


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def province(text: str) -> str | None:
    """The properly spelled province / city name ``text`` folds to, else None.

    One wrong letter is forgiven in names of six letters or more (OCR ``Quảng Nữnh``), as long as
    exactly one province is that close.
    """
    key = " ".join(fold(text).replace("-", " - ").split())
    keys = {p: " ".join(fold(p).replace("-", " - ").split()) for p in PROVINCES}
    for p, k in keys.items():
        if k == key:
            return p
    if len(key.replace(" ", "")) < 6:
        return None
    close = [p for p, k in keys.items() if _edits(key, k, 1) <= 1]
    return close[0] if len(close) == 1 else None
