"""Labels of the review pages (vi/en), added to :data:`web.i18n.LANGS` when the review module loads.

Kept here rather than in ``web/i18n.py`` so the review screen's wording changes in one place of its own;
a key already in ``LANGS`` is never replaced.
"""

from __future__ import annotations

from web.i18n import LANGS

__all__ = ["install"]

_VI = {
    "nav.review": "Kiểm tra",
    "nav.review_stats": "Thống kê kiểm tra",
    "review.title": "Hàng đợi kiểm tra",
    "review.total": "tài liệu cần kiểm tra",
    "review.empty": "Không còn tài liệu nào cần kiểm tra.",
    "review.batch": "Lô",
    "review.reason": "Lý do",
    "review.field": "Trường",
    "review.any": "Tất cả",
    "review.filter": "Lọc",
    "review.file": "Tệp",
    "review.open": "Kiểm tra",
    "review.more": "Xem tiếp",
    "review.screen": "Kiểm tra tài liệu",
    "review.value": "Giá trị",
    "review.confidence": "Độ tin cậy",
    "review.extracted": "trích xuất",
    "review.corrected": "đã sửa",
    "review.corrected_by": "sửa bởi",
    "review.save": "Lưu (Enter)",
    "review.approve": "Duyệt và sang tài liệu sau (Ctrl+Enter)",
    "review.prev": "Trước (Alt+←)",
    "review.next": "Sau (Alt+→)",
    "review.queue": "Về hàng đợi",
    "review.saved": "Đã lưu phiên bản",
    "review.approved": "Đã duyệt",
    "review.keys": "Tab: trường sau · Enter: lưu · Ctrl+Enter: duyệt và mở tài liệu sau · Alt+←/→: trước/sau",
    "review.history": "Lịch sử thay đổi",
    "review.version": "Phiên bản",
    "review.dossier_code": "Mã hồ sơ (tài liệu)",
    "review.access_level": "Mức truy cập",
    "review.no_box": "không có vị trí trên trang",
    "review.bulk": "Sửa hàng loạt",
    "review.bulk_help": (
        "Chọn tài liệu (kết quả tra cứu hoặc cả lô) rồi đặt giá trị chung. Ô để trống thì không đổi."
    ),
    "review.bulk_find": "Tìm tài liệu",
    "review.bulk_apply": "Áp dụng cho tài liệu đã chọn",
    "review.bulk_done": "Đã cập nhật",
    "review.stats": "Thống kê kiểm tra",
    "review.per_hour": "Số lượt duyệt theo giờ (24 giờ qua)",
    "review.hour": "Giờ (UTC)",
    "review.approvals": "Lượt duyệt",
    "review.corrections": "Lượt sửa",
    "review.share": "Tỷ lệ tài liệu có trường bị sửa, theo lô",
    "review.documents": "Tài liệu",
    "review.reviewed": "Đã duyệt",
}
_EN = {
    "nav.review": "Review",
    "nav.review_stats": "Review figures",
    "review.title": "Review queue",
    "review.total": "documents to review",
    "review.empty": "Nothing left to review.",
    "review.batch": "Batch",
    "review.reason": "Reason",
    "review.field": "Field",
    "review.any": "Any",
    "review.filter": "Filter",
    "review.file": "File",
    "review.open": "Review",
    "review.more": "More",
    "review.screen": "Review document",
    "review.value": "Value",
    "review.confidence": "Confidence",
    "review.extracted": "extracted",
    "review.corrected": "corrected",
    "review.corrected_by": "by",
    "review.save": "Save (Enter)",
    "review.approve": "Approve and open the next (Ctrl+Enter)",
    "review.prev": "Previous (Alt+←)",
    "review.next": "Next (Alt+→)",
    "review.queue": "Back to the queue",
    "review.saved": "Saved version",
    "review.approved": "Approved",
    "review.keys": (
        "Tab: next field · Enter: save · Ctrl+Enter: approve and open the next · Alt+←/→: previous/next"
    ),
    "review.history": "History of changes",
    "review.version": "Version",
    "review.dossier_code": "Dossier code (document)",
    "review.access_level": "Access level",
    "review.no_box": "no position on the page",
    "review.bulk": "Bulk edit",
    "review.bulk_help": (
        "Pick documents (a search result or a whole batch), then set shared values. "
        "Empty boxes change nothing."
    ),
    "review.bulk_find": "Find documents",
    "review.bulk_apply": "Apply to the selected documents",
    "review.bulk_done": "Updated",
    "review.stats": "Review figures",
    "review.per_hour": "Approvals per hour (last 24 hours)",
    "review.hour": "Hour (UTC)",
    "review.approvals": "Approvals",
    "review.corrections": "Corrections",
    "review.share": "Share of documents with a field corrected, by batch",
    "review.documents": "Documents",
    "review.reviewed": "Approved",
}


def install() -> None:
    """Add the review labels to the app's label tables (idempotent)."""
    for lang, labels in (("vi", _VI), ("en", _EN)):
        table = LANGS[lang]
        for key, label in labels.items():
            table.setdefault(key, label)
