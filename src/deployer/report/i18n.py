"""Report wording in English and Chinese; the customer signs what they can read."""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

_TEXT: dict[str, dict[Lang, str]] = {
    "title": {"en": "Pre-installation compatibility report", "zh": "安装前环境兼容性检查报告"},
    "customer": {"en": "Customer", "zh": "客户"},
    "environment": {"en": "Environment", "zh": "环境"},
    "product": {"en": "Product", "zh": "产品"},
    "date": {"en": "Date", "zh": "日期"},
    "summary": {"en": "Summary", "zh": "结论"},
    "hosts": {"en": "Hosts", "zh": "主机"},
    "host": {"en": "Host", "zh": "主机"},
    "address": {"en": "Address", "zh": "地址"},
    "roles": {"en": "Roles", "zh": "角色"},
    "check": {"en": "Check", "zh": "检查项"},
    "status": {"en": "Status", "zh": "结果"},
    "observed": {"en": "Observed", "zh": "实际值"},
    "required": {"en": "Required", "zh": "要求"},
    "remediation": {"en": "Remediation", "zh": "处理建议"},
    "unreachable": {"en": "Unreachable", "zh": "无法连接"},
    "accepted": {"en": "Accepted risks", "zh": "已接受的风险"},
    "reason": {"en": "Reason", "zh": "原因"},
    "none": {"en": "None.", "zh": "无。"},
    "verdict_ok": {
        "en": "The environment meets the product's requirements.",
        "zh": "环境满足产品的安装要求。",
    },
    "verdict_fail": {
        "en": "The environment does NOT meet the product's requirements; "
        "blocking failures must be fixed or accepted before installation.",
        "zh": "环境不满足产品的安装要求：阻断项须先整改或经确认接受风险后方可安装。",
    },
    "verdict_unreachable": {
        "en": "Some hosts could not be checked.",
        "zh": "部分主机无法连接，未完成检查。",
    },
    "signatures": {"en": "Signatures", "zh": "签字确认"},
    "sign_customer": {"en": "Customer representative", "zh": "客户代表"},
    "sign_engineer": {"en": "Implementation engineer", "zh": "实施工程师"},
    "sign_name_date": {"en": "Name / Date", "zh": "姓名 / 日期"},
    "counts": {
        "en": "{passed} passed, {warned} warnings, {failed} failed, {unknown} unknown, "
        "{accepted} accepted",
        "zh": "通过 {passed} 项，警告 {warned} 项，失败 {failed} 项，"
        "未知 {unknown} 项，已接受 {accepted} 项",
    },
    "PASS": {"en": "PASS", "zh": "通过"},
    "WARN": {"en": "WARN", "zh": "警告"},
    "FAIL": {"en": "FAIL", "zh": "失败"},
    "UNKNOWN": {"en": "UNKNOWN", "zh": "未知"},
    "ACCEPTED": {"en": "ACCEPTED", "zh": "已接受"},
}


def text(key: str, lang: Lang) -> str:
    return _TEXT[key][lang]


def catalogue(lang: Lang) -> dict[str, str]:
    return {key: values[lang] for key, values in _TEXT.items()}
