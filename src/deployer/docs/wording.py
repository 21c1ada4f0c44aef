"""The documents' words, written where they are used: ``say("Host", "主机")`` picks the
document's language, so each sentence is read and changed in one place in both languages."""

from __future__ import annotations

from dataclasses import dataclass

from deployer.report.i18n import Lang

#: What a missing value reads as.
NONE = {"en": "none", "zh": "无"}
YES = {"en": "yes", "zh": "是"}


@dataclass(frozen=True)
class Say:
    lang: Lang

    def __call__(self, en: str, zh: str, /, **values: object) -> str:
        return (zh if self.lang == "zh" else en).format(**values)

    @property
    def none(self) -> str:
        return NONE[self.lang]

    def status(self, status: str) -> str:
        """A run's status in words."""
        words = {
            "successful": ("successful", "成功"),
            "failed": ("failed", "失败"),
            "canceled": ("canceled", "已取消"),
            "timeout": ("timed out", "超时"),
            "running": ("did not finish", "未结束"),
            "starting": ("did not finish", "未结束"),
        }
        en, zh = words.get(status, (status, status))
        return self(en, zh)

    def kind(self, kind: str) -> str:
        words = {
            "check": ("compatibility scan", "环境兼容性检查"),
            "apply": ("installation / upgrade", "安装 / 升级"),
            "rollback": ("rollback", "回滚"),
            "import": ("data import", "数据导入"),
            "watch": ("go-live watch", "上线观察"),
        }
        en, zh = words.get(kind, (kind, kind))
        return self(en, zh)


def when(iso: str | None) -> str:
    """An ISO 8601 time from a record, as people read it: 2026-12-03 21:04:05 UTC."""
    if not iso:
        return ""
    text = iso.replace("T", " ")
    for suffix in ("+00:00", "Z"):
        if text.endswith(suffix):
            return text[: -len(suffix)].split(".")[0] + " UTC"
    return text.split(".")[0]
